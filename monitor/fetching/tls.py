"""TLS for the crawl: which certificates to trust, and why a certificate was refused.

Trust: certifi's bundle *plus* the system CA store. Taiwanese government and university
certificates often chain to roots (e.g. the GRCA government root, TWCA) that the system
store carries but certifi lacks, or the reverse; a site a visitor's browser accepts must not be
reported as broken because our trust store was narrower. An office can add its own roots with
``extra_ca`` (a PEM file); the tests use that for a CA they make on the fly.

Classification: OpenSSL reports a verification failure as a numeric X509 code; we turn it into
the few reasons RULES.md names (expired, self-signed, hostname mismatch, unknown issuer or
missing intermediate) so the office can tell the alliance what to fix.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import certifi

from alliance_portal.registry.bilingual import Bilingual

# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h).
_CERT_NOT_YET_VALID = 9
_CERT_HAS_EXPIRED = 10
_DEPTH_ZERO_SELF_SIGNED_CERT = 18
_SELF_SIGNED_CERT_IN_CHAIN = 19
_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
_CERT_REVOKED = 23
_HOSTNAME_MISMATCH = 62


@dataclass(frozen=True, slots=True)
class TLSProblem:
    """Why a certificate was refused: a short ``kind`` key and bilingual text for reports."""

    kind: str  # expired | not-yet-valid | self-signed | hostname-mismatch | unknown-issuer | revoked | other
    reason: Bilingual
    detail: str = ""  # OpenSSL's own words


def make_verified_context(extra_ca: Path | None = None) -> ssl.SSLContext:
    """A client context that trusts certifi's roots, the system store, and ``extra_ca``."""
    ctx = ssl.create_default_context(cafile=certifi.where())
    ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if extra_ca is not None:
        ctx.load_verify_locations(cafile=str(extra_ca))
    return ctx


def make_unverified_context() -> ssl.SSLContext:
    """A context that accepts any certificate.

    Used only for the second fetch after a verification failure, so the other checks (credit,
    updates) can still be judged; the loads check then reports the TLS problem as a warning.
    """
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def find_cert_error(exc: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """Dig the certificate error out of the requests -> urllib3 -> ssl exception chain."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc] if exc is not None else []
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLCertVerificationError):
            return cur
        for nxt in (cur.__cause__, cur.__context__, getattr(cur, "reason", None)):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        stack.extend(a for a in cur.args if isinstance(a, BaseException))
    return None


def classify_cert_error(err: ssl.SSLCertVerificationError) -> TLSProblem:
    """Turn OpenSSL's verification code into one of the reasons in RULES.md."""
    code = getattr(err, "verify_code", None)
    message = str(getattr(err, "verify_message", "") or err)
    if code == _CERT_HAS_EXPIRED:
        return TLSProblem("expired", Bilingual("憑證已過期", "certificate expired"), message)
    if code == _CERT_NOT_YET_VALID:
        return TLSProblem(
            "not-yet-valid", Bilingual("憑證尚未生效", "certificate not yet valid"), message
        )
    if code in (_DEPTH_ZERO_SELF_SIGNED_CERT, _SELF_SIGNED_CERT_IN_CHAIN):
        return TLSProblem("self-signed", Bilingual("自簽憑證", "self-signed certificate"), message)
    if (
        code == _HOSTNAME_MISMATCH
        or "hostname" in message.lower()
        or "IP address mismatch" in message
    ):
        return TLSProblem(
            "hostname-mismatch", Bilingual("憑證網域名稱不符", "hostname mismatch"), message
        )
    if code in (_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, _UNABLE_TO_VERIFY_LEAF_SIGNATURE):
        return TLSProblem(
            "unknown-issuer",
            Bilingual(
                "憑證簽發者不明或缺少中繼憑證", "unknown issuer or missing intermediate certificate"
            ),
            message,
        )
    if code == _CERT_REVOKED:
        return TLSProblem("revoked", Bilingual("憑證已被撤銷", "certificate revoked"), message)
    return TLSProblem(
        "other", Bilingual("憑證驗證失敗", "certificate verification failed"), message
    )
