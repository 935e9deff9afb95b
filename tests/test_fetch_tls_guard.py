"""TLS classification with a CA made in the test, and the SSRF guard on every hop."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest

from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy, why_blocked
from monitor.rules.loads import HomepageFetch, judge_loads
from tests.support.farm import Site, TestPKI, page, redirect


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI(tmp_path_factory.mktemp("pki"))


CJK = re.compile(r"[\u3400-\u9fff]")


def tls_site(ctx: object) -> Site:
    s = Site("127.0.0.2", tls=ctx)  # type: ignore[arg-type]
    s.routes["/"] = page("<p>本聯盟由科技部補助 Sponsored by MOST</p>")
    return s.start()


def fetcher_for(pki: TestPKI, **kw: object) -> Fetcher:
    opts: dict[str, object] = dict(
        retries=0,
        read_timeout=3,
        deadline=5,
        extra_ca=pki.ca_file,
        policy=AddressPolicy(allow_private=True),
    )
    opts.update(kw)
    return Fetcher(FetchOptions(**opts))  # type: ignore[arg-type]


def test_valid_certificate_from_our_ca_passes(pki: TestPKI) -> None:
    s = tls_site(pki.server_context(["127.0.0.2"]))
    try:
        r = fetcher_for(pki).fetch(s.url("/"))
        assert r.ok and r.tls_problem is None
        check = judge_loads(HomepageFetch(s.url("/"), r))
        assert check.status == "pass"
    finally:
        s.stop()


def test_intermediate_sent_by_the_server_passes(pki: TestPKI) -> None:
    s = tls_site(pki.server_context(["127.0.0.2"], intermediate=True))
    try:
        assert fetcher_for(pki).fetch(s.url("/")).tls_problem is None
    finally:
        s.stop()


@pytest.mark.parametrize(
    ("kwargs", "kind", "words"),
    [
        (dict(expired=True), "expired", "過期"),
        (dict(self_signed=True), "self-signed", "自簽"),
        (dict(names=["127.0.0.9", "other.example.edu.tw"]), "hostname-mismatch", "不符"),
        (dict(intermediate=True, send_intermediate=False), "unknown-issuer", "中繼"),
    ],
    ids=["expired", "self-signed", "hostname-mismatch", "missing-intermediate"],
)
def test_refused_certificate_is_classified_and_page_still_fetched(
    pki: TestPKI, kwargs: dict[str, object], kind: str, words: str
) -> None:
    names = kwargs.pop("names", ["127.0.0.2"])
    s = tls_site(pki.server_context(names, **kwargs))  # type: ignore[arg-type]
    try:
        r = fetcher_for(pki).fetch(s.url("/"))
        assert r.tls_problem is not None and r.tls_problem.kind == kind
        # Fetched again without verification so credit/updates can still be judged.
        assert r.ok and "科技部補助".encode() in r.body
        check = judge_loads(HomepageFetch(s.url("/"), r))
        assert check.status == "warn"
        assert words in check.reason and "TLS" in check.reason
        # each half in its own language (the reason is Bilingual from tls.py on)
        assert check.message.zh.startswith("TLS 憑證有問題：") and words in check.message.zh
        assert check.message.en.startswith("TLS certificate refused: ")
        assert not CJK.search(check.message.en)
        assert check.details["tls"] == kind
    finally:
        s.stop()


def test_unknown_ca_without_extra_trust_is_unknown_issuer(pki: TestPKI) -> None:
    s = tls_site(pki.server_context(["127.0.0.2"]))
    try:
        r = fetcher_for(pki, extra_ca=None).fetch(s.url("/"))
        assert r.tls_problem is not None and r.tls_problem.kind == "unknown-issuer"
    finally:
        s.stop()


# --- SSRF guard ------------------------------------------------------------------------------


def test_guard_on_by_default_refuses_loopback_without_sending_anything(site: Site) -> None:
    site.routes["/"] = page("<p>internal</p>")
    r = Fetcher(FetchOptions(retries=0)).fetch(site.url("/"))
    assert r.error is not None and r.error.kind == "blocked"
    assert "loopback" in r.error.message
    assert site.hits["/"] == 0
    check = judge_loads(HomepageFetch(site.url("/"), r))
    assert check.status == "fail" and "SSRF" in check.reason


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.3:{port}/", "http://10.1.2.3/"],
)
def test_redirect_to_a_private_address_is_refused(site: Site, target: str) -> None:
    # Only the farm's own address is allowed: the guard stays on for everything else.
    inner = Site("127.0.0.3").start()
    try:
        inner.routes["/"] = page("<p>secret admin page</p>")
        site.routes["/"] = redirect(target.format(port=inner.port))
        policy = AddressPolicy.with_networks(["127.0.0.2/32"])
        r = Fetcher(FetchOptions(retries=0, connect_timeout=1, policy=policy)).fetch(site.url("/"))
        assert r.error is not None and r.error.kind == "blocked", r.error
        assert site.hits["/"] == 1 and inner.hits["/"] == 0
    finally:
        inner.stop()


def test_name_is_resolved_once_and_the_checked_address_is_used(site: Site) -> None:
    """DNS rebinding: a second lookup would answer a private address; we never make one."""
    site.routes["/"] = page("<p>public page</p>")
    answers = [["127.0.0.2"], ["10.0.0.1"]]
    calls: list[str] = []

    def rebinding_resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[min(len(calls) - 1, 1)]

    policy = AddressPolicy(
        allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),), resolve=rebinding_resolver
    )
    r = Fetcher(FetchOptions(retries=0, policy=policy)).fetch(
        f"http://alliance.example:{site.port}/"
    )
    assert r.ok and b"public page" in r.body
    assert calls == ["alliance.example"]


def test_a_name_with_any_private_answer_is_refused(site: Site) -> None:
    policy = AddressPolicy(
        allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),),
        resolve=lambda host, port: ["127.0.0.2", "192.168.1.1"],
    )
    r = Fetcher(FetchOptions(retries=0, policy=policy)).fetch(f"http://mixed.example:{site.port}/")
    assert r.error is not None and r.error.kind == "blocked"
    assert site.hits["/"] == 0


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "non-public"),
        ("140.112.8.116", None),  # a Taiwanese university address is public
        ("2001:288::1", None),
    ],
)
def test_address_kinds(ip: str, kind: str | None) -> None:
    assert why_blocked(ipaddress.ip_address(ip)) == kind


def test_allow_private_lifts_the_guard(site: Site, tmp_path: Path) -> None:
    site.routes["/"] = page("<p>intranet</p>")
    r = Fetcher(FetchOptions(retries=0, policy=AddressPolicy(allow_private=True))).fetch(
        site.url("/")
    )
    assert r.ok
