"""The upload form under real waitress: what a reverse proxy in front of it changes."""

from __future__ import annotations

from pathlib import Path

import requests
from test_intake_support import app_for, make_config, running_server, services_of

from alliance_portal.intake.config import RateLimit

TIMEOUT = 20
HTTPS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_behind_proxy_https_gives_secure_cookie_hsts_and_real_client_addresses(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, behind_proxy=True, login_limit=RateLimit(2, 900))
    with app_for(config) as app, running_server(app) as base:
        token = services_of(app).signer.make_token("smart-motor")
        resp = requests.get(
            f"{base}/link/{token}", headers=HTTPS_PROXY, allow_redirects=False, timeout=TIMEOUT
        )
        assert resp.status_code == 303
        cookie = resp.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")

        # Bad links are limited per client address as the proxy reports it, not per proxy.
        for _ in range(2):
            bad = requests.get(f"{base}/link/forged", headers=HTTPS_PROXY, timeout=TIMEOUT)
            assert bad.status_code == 403
        limited = requests.get(f"{base}/link/forged", headers=HTTPS_PROXY, timeout=TIMEOUT)
        assert limited.status_code == 429
        other = {**HTTPS_PROXY, "X-Forwarded-For": "198.51.100.9"}
        assert (
            requests.get(f"{base}/link/forged", headers=other, timeout=TIMEOUT).status_code == 403
        )


def test_without_proxy_forwarded_headers_are_ignored(tmp_path: Path) -> None:
    config = make_config(tmp_path, login_limit=RateLimit(2, 900))
    with app_for(config) as app, running_server(app) as base:
        token = services_of(app).signer.make_token("smart-motor")
        resp = requests.get(
            f"{base}/link/{token}", headers=HTTPS_PROXY, allow_redirects=False, timeout=TIMEOUT
        )
        assert resp.status_code == 303
        assert "Secure" not in resp.headers["Set-Cookie"]
        assert "Strict-Transport-Security" not in resp.headers
        # A client cannot dodge the limit by inventing addresses.
        for n in range(2):
            spoofed = {"X-Forwarded-For": f"192.0.2.{n}"}
            requests.get(f"{base}/link/forged", headers=spoofed, timeout=TIMEOUT)
        spoofed = {"X-Forwarded-For": "192.0.2.99"}
        assert (
            requests.get(f"{base}/link/forged", headers=spoofed, timeout=TIMEOUT).status_code == 429
        )
