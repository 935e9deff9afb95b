"""Fetching a site as the monitor sees it: HTTP(S) with retries, the SSRF guard, TLS diagnosis, and the Chromium renderer."""
