"""Security headers, the session cookie's Secure flag, rate limits and client addresses.

The pages use no inline script or style and load nothing from other sites, so the
Content-Security-Policy can be strict: only this origin, no framing, forms post only here.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from alliance_portal.intake.config import RateLimit
from alliance_portal.intake.services import services
from alliance_portal.registry.errors import AllianceError

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The personal link carries a token in its URL: never send it to another site. (Same-origin
    # referrers stay on: Flask-WTF checks them for CSRF over https.)
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class IntakeSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure when configured to, or whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith("/static/"):
        # Every page is personal: no shared cache may keep it.
        response.headers["Cache-Control"] = "no-store"
    return response


def client_address() -> str:
    return request.remote_addr or "unknown"


class RateLimited(AllianceError):
    """Raised to answer 429 with a Retry-After of ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def enforce(bucket: str, limit: RateLimit) -> None:
    """Count one event in ``bucket``; raise :class:`RateLimited` once the limit is passed."""
    wait = services().limiter.hit(bucket, limit)
    if wait:
        raise RateLimited(wait)


def blocked(bucket: str, limit: RateLimit) -> None:
    """Refuse (429) without counting when ``bucket`` is already over its limit."""
    wait = services().limiter.over(bucket, limit)
    if wait:
        raise RateLimited(wait)


def require_post_budget() -> None:
    """Before each POST: the per-address limit (the per-alliance one is in the views)."""
    if request.method == "POST":
        enforce(f"addr:{client_address()}", services().config.address_post_limit)
