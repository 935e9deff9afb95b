"""A fault farm on loopback: real HTTP(S) servers whose routes misbehave on purpose.

Each :class:`Site` is a threaded ``http.server`` bound to an address such as 127.0.0.2 (so
127.0.0.3 can stand for a different host) with a route table of small handler functions.
:class:`TestPKI` makes a CA and certificates with ``cryptography`` for the TLS cases.
Nothing here talks to anything outside 127.0.0.0/8.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import ipaddress
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


# --- responses ---------------------------------------------------------------------------------


def send(
    h: http.server.BaseHTTPRequestHandler,
    body: bytes | str,
    *,
    status: int = 200,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(data)


def page(body: str, *, title: str = "測試聯盟", **kw: object) -> Handler:
    html = f"<!doctype html><html lang='zh-TW'><head><title>{title}</title></head><body>{body}</body></html>"
    return lambda h: send(h, html, **kw)  # type: ignore[arg-type]


def raw(data: bytes, **kw: object) -> Handler:
    return lambda h: send(h, data, **kw)  # type: ignore[arg-type]


def redirect(location: str, status: int = 302) -> Handler:
    return lambda h: send(h, b"", status=status, content_type=None, headers={"Location": location})


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    return lambda h: send(
        h, f"<html><body><h1>{code}</h1></body></html>", status=code, headers=headers
    )


def flaky(first: Handler, then: Handler, times: int = 1) -> Handler:
    """``first`` for the first ``times`` requests, ``then`` afterwards."""
    count = {"n": 0}
    lock = threading.Lock()

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        with lock:
            count["n"] += 1
            n = count["n"]
        (first if n <= times else then)(h)

    return handle


def reset_mid_body(h: http.server.BaseHTTPRequestHandler) -> None:
    """Promise 100 kB, send a little, then reset the connection (RST, not FIN)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(b"<html><body>" + b"x" * 1000)
    h.wfile.flush()
    h.connection.setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
    )
    h.connection.close()
    h.close_connection = True


def drip(interval: float = 0.1, total_seconds: float = 30.0) -> Handler:
    """Send headers, then one byte every ``interval`` s: never a read timeout, only a deadline."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        end = time.monotonic() + total_seconds
        try:
            h.wfile.write(b"<html><body>")
            while time.monotonic() < end:
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(interval)
        except OSError:
            return

    return handle


def hang(seconds: float = 30.0) -> Handler:
    """Accept the request and say nothing (until the client gives up)."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        end = time.monotonic() + seconds
        h.connection.settimeout(0.2)
        while time.monotonic() < end:
            try:
                if h.connection.recv(1) == b"":
                    return  # client closed
            except TimeoutError:
                continue
            except OSError:
                return

    return handle


def huge(size: int, *, chunk: int = 64 * 1024) -> Handler:
    """A valid HTML page of ``size`` bytes, streamed (the server never holds it all)."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        head = b"<html><body><p>\xe5\xa4\xa7\xe9\xa0\x81\xe9\x9d\xa2 big page</p>"
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        try:
            h.wfile.write(head)
            sent = len(head)
            block = b"<p>filler text</p>\n" * (chunk // 20)
            while sent < size:
                part = block[: size - sent]
                h.wfile.write(part)
                sent += len(part)
        except OSError:
            return

    return handle


def gzip_bomb(decoded_size: int = 1024 * 1024 * 1024) -> Handler:
    """A small gzip body that inflates to ``decoded_size`` bytes of zeros."""
    # Compress streaming so building the bomb itself stays small in memory.
    import io

    buf = io.BytesIO()
    zeros = b"\0" * (1024 * 1024)
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        for _ in range(decoded_size // len(zeros)):
            gz.write(zeros)
    data = buf.getvalue()
    return lambda h: send(h, data, content_type="text/html", headers={"Content-Encoding": "gzip"})


# --- servers -----------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response is what the farm is for


class _BothServer(_Server):
    """Plain HTTP and TLS on one port, told apart by the client's first byte (a TLS handshake
    starts with 0x16): a host that answers both ``http://`` and ``https://`` while the tests'
    ports are not 80 and 443, so a script that swaps only the scheme finds the same server."""

    tls: ssl.SSLContext

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = self.socket.accept()
        sock.settimeout(5)
        try:
            if sock.recv(1, socket.MSG_PEEK) == b"\x16":
                sock = self.tls.wrap_socket(sock, server_side=True)
        except OSError:
            pass  # a client that hung up or never spoke: the handler meets the closed socket
        sock.settimeout(None)
        return sock, addr


class Site:
    """One loopback web server with a route table; ``hits`` counts requests per path.
    With ``tls`` it speaks only TLS; with ``tls_too`` plain HTTP and TLS on the same port."""

    def __init__(
        self,
        host: str = "127.0.0.2",
        tls: ssl.SSLContext | None = None,
        *,
        tls_too: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        site = self

        class RequestHandler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.hits[path] += 1
                    site.user_agents.append(self.headers.get("User-Agent", ""))
                    site.active += 1
                    site.max_active = max(site.max_active, site.active)
                try:
                    handler = site.routes.get(path)
                    if handler is None:
                        send(self, "<html><body>not found</body></html>", status=404)
                    else:
                        handler(self)
                finally:
                    with site._lock:
                        site.active -= 1

            do_HEAD = do_GET

        if tls_too is not None:
            both = _BothServer((host, 0), RequestHandler)
            both.tls = tls_too
            self.server: _Server = both
        else:
            self.server = _Server((host, 0), RequestHandler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running(*sites: Site) -> Iterator[tuple[Site, ...]]:
    for s in sites:
        s.start()
    try:
        yield sites
    finally:
        for s in sites:
            s.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound then closed: connecting to it is refused)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# --- single-page apps and process trees ----------------------------------------------------------

#: The shell every path of a small single-page app answers with: no text of its own, one script.
SPA_SHELL = (
    "<!doctype html><html lang='zh-TW'><head><meta charset='utf-8'><title>聯盟</title>"
    "<script src='/spa.js' defer></script></head><body><div id='root'></div>"
    "<noscript>請開啟 JavaScript</noscript></body></html>"
)
#: The app: asks /data.json for its content and draws it; nothing readable exists before that.
SPA_JS = (
    "document.addEventListener('DOMContentLoaded', function () {"
    "  fetch('/data.json').then(r => r.json()).then(d => {"
    "    document.getElementById('root').innerHTML = '<h1>' + d.name + '</h1><p>' + d.credit +"
    "      '</p><h2>最新消息</h2><ul>' + d.news.map(n => '<li>' + n + '</li>').join('') + '</ul>';"
    "  });"
    "});"
)


def spa_content(name: str, news_date: str) -> dict[str, object]:
    """What a small alliance site says: its name, the funding credit and a dated news list."""
    return {
        "name": name,
        "credit": "本聯盟為國科會補助之產學小聯盟，協助會員廠商進行技術開發與人才培訓。",
        "news": [f"{news_date} 技術講座開放報名", "2026-09-15 會員大會"],
    }


def spa_routes(name: str, news_date: str, *, data: Handler | None = None) -> dict[str, Handler]:
    """Routes of a single-page app whose credit and dated news appear only after its script
    ran. ``data`` replaces the /data.json handler (to slow it down or to act on the moment
    the browser asks for it)."""
    import json

    shell = raw(SPA_SHELL.encode(), content_type="text/html; charset=utf-8")
    body = json.dumps(spa_content(name, news_date), ensure_ascii=False).encode()
    return {
        "/": shell,
        "/spa.js": raw(SPA_JS.encode(), content_type="text/javascript"),
        "/data.json": data or raw(body, content_type="application/json"),
    }


def static_routes(name: str, news_date: str) -> dict[str, Handler]:
    """The same site as :func:`spa_routes` with its content in the HTML itself."""
    c = spa_content(name, news_date)
    items = "".join(f"<li>{n}</li>" for n in c["news"])  # type: ignore[attr-defined]
    return {"/": page(f"<h1>{name}</h1><p>{c['credit']}</p><h2>最新消息</h2><ul>{items}</ul>")}


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, read from /proc (Linux): Chromium's processes are
    children of Playwright's driver, itself a child of ours."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # The command name is in parentheses and may hold spaces: split after the last ")".
        ppid = int(stat.rpartition(")")[2].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and its descendants in bytes (shared pages counted once per
    process, as ``ps`` does: an upper bound on what the tree costs)."""
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def tree_pss(root: int) -> int:
    """Proportional memory of ``root`` and its descendants in bytes: each shared page is split
    among the processes that map it, so the sum is what the tree really costs (Chromium's many
    processes share most of their binary, which :func:`tree_rss` counts again for each)."""
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


# --- certificates ------------------------------------------------------------------------------


class TestPKI:
    """A throwaway CA in ``folder`` and helpers to issue server certificates."""

    __test__ = False  # not a pytest test class

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Alliance Test Root CA")])
        now = dt.datetime.now(dt.UTC)
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))

    def server_context(
        self,
        names: list[str],
        *,
        expired: bool = False,
        self_signed: bool = False,
        intermediate: bool = False,
        send_intermediate: bool = True,
    ) -> ssl.SSLContext:
        """A server TLS context whose certificate covers ``names`` (IPs or DNS names)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        start, end = (
            (now - dt.timedelta(days=60), now - dt.timedelta(days=30))
            if expired
            else (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
        )
        sans: list[x509.GeneralName] = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        issuer_key, issuer_cert = self.ca_key, self.ca_cert
        chain: list[x509.Certificate] = []
        if intermediate:
            issuer_key = ec.generate_private_key(ec.SECP256R1())
            inter_name = x509.Name(
                [x509.NameAttribute(NameOID.COMMON_NAME, "Alliance Test Intermediate")]
            )
            issuer_cert = (
                x509.CertificateBuilder()
                .subject_name(inter_name)
                .issuer_name(self.ca_cert.subject)
                .public_key(issuer_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=90))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .sign(self.ca_key, hashes.SHA256())
            )
            if send_intermediate:
                chain.append(issuer_cert)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else issuer_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        )
        cert = builder.sign(key if self_signed else issuer_key, hashes.SHA256())
        stem = f"{names[0]}-{x509.random_serial_number() % 10**8}"
        cert_file = self.folder / f"{stem}.crt"
        key_file = self.folder / f"{stem}.key"
        cert_file.write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *chain])
        )
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file, key_file)
        return ctx
