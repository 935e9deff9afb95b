"""SSRF guard: the crawl must not be turned against the office's own network.

An alliance's website address is typed in by the alliance. Without a guard, an address such as
``http://169.254.169.254/`` or ``http://10.0.0.5/admin`` (or a public name that resolves to one,
or a redirect to one) would make the monitor fetch internal pages and store them as evidence.

How it works: the check sits inside the connection itself. :func:`guarded_pool_classes` gives
urllib3 pool classes whose connections resolve the host name once, check every resolved address
with :class:`AddressPolicy`, and then connect to exactly that checked address (by IP literal), so
a DNS answer that changes between check and connect (DNS rebinding) cannot slip through. Since
every redirect hop opens its connection through the same classes, each hop is checked too.
TLS still uses the host name for SNI and certificate checks.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as u3conn

from monitor.fetching.wire import StrictHeadersResponse

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6), in its order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:
        # the IDNA encoding refuses an empty label (a..b) or one over 63 characters: no such
        # name can exist, which is what a failed look-up says (before, the whole check raised)
        raise socket.gaierror(
            socket.EAI_NONAME, f"{host[:100]!r} is not a valid host name"
        ) from None
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in seen:
            seen.append(ip)
    return seen


def why_blocked(ip: IPAddress) -> str | None:
    """The kind of non-public address ``ip`` is, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        # 2002:a00:1::1 is 6to4 for 10.0.0.1: a relay would carry it into the private network
        inner = why_blocked(ip.sixtofour)
        if inner is not None:
            return f"6to4 ({inner} {ip.sixtofour})"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        # fec0::/10, deprecated (RFC 3879) but still routed inside some networks, and Python
        # calls it global: it is the IPv6 twin of 10.0.0.0/8
        return "site-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses the crawl may connect to.

    ``allow_private`` lifts the guard entirely (tests on loopback, intranet sites).
    ``allowed_networks`` punches holes in it (e.g. ``127.0.0.2/32`` for one test server)
    while keeping every other private address blocked.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    resolve: Resolver = field(default=system_resolve, compare=False)

    @classmethod
    def with_networks(cls, networks: Iterable[str], **kwargs: Any) -> AddressPolicy:
        nets = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        return cls(allowed_networks=nets, **kwargs)

    def check(self, ip_text: str) -> str | None:
        """Why connecting to ``ip_text`` is refused, or None when it is allowed."""
        ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
        if self.allow_private:
            return None
        if any(ip in net for net in self.allowed_networks):
            return None
        kind = why_blocked(ip)
        return f"{kind} address {ip}" if kind else None

    def resolve_checked(self, host: str, port: int) -> str:
        """Resolve ``host`` and return one address to connect to; raise if any is refused.

        Every answer must be allowed: a name that resolves to both a public and an internal
        address is refused, since which one is used is up to the attacker.
        """
        addresses = list(self.resolve(host, port))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"no address for {host}")
        for ip in addresses:
            reason = self.check(ip)
            if reason:
                raise BlockedAddress(host, ip, reason)
        return addresses[0]


class BlockedAddress(OSError):
    """The host resolved to an address the policy refuses (raised before any packet is sent)."""

    def __init__(self, host: str, ip: str, reason: str) -> None:
        article = "an" if reason[:1].lower() in "aeiou" else "a"
        super().__init__(f"{host} resolves to {article} {reason}; refused by the SSRF guard")
        self.host = host
        self.ip = ip
        self.reason = reason


class BlockedConnectionError(NewConnectionError):
    """urllib3-level wrapper of :class:`BlockedAddress` (keeps urllib3 from retrying it)."""

    def __init__(self, conn: Any, blocked: BlockedAddress) -> None:
        super().__init__(conn, str(blocked))
        self.blocked = blocked


def _guarded_new_conn(self: Any) -> socket.socket:
    """Replacement for ``HTTPConnection._new_conn``: resolve, check, connect to that address."""
    policy: AddressPolicy = self.address_policy
    host = self._dns_host
    try:
        ip = policy.resolve_checked(host, self.port)
    except BlockedAddress as exc:
        raise BlockedConnectionError(self, exc) from exc
    except socket.gaierror as exc:
        raise NameResolutionError(self.host, self, exc) from exc
    try:
        return u3conn.create_connection(
            (ip, self.port),
            self.timeout,
            source_address=self.source_address,
            socket_options=self.socket_options,
        )
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
        ) from exc
    except OSError as exc:
        raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc


def guarded_pool_classes(
    policy: AddressPolicy, on_conn: Callable[[Any], None] | None = None
) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes (by scheme) whose connections obey ``policy``.

    Classes are made per policy because urllib3 builds connections from a class attribute
    and has no hook to pass our own arguments through its pool keys. ``on_conn`` is told of
    every connection a request takes from a pool, fresh or reused, before it is used (the
    fetcher's per-request deadline, :mod:`monitor.fetching.deadline`, cuts it when late).
    """
    attrs = {
        "address_policy": policy,
        "_new_conn": _guarded_new_conn,
        "response_class": StrictHeadersResponse,
    }
    http_conn = type("GuardedHTTPConnection", (HTTPConnection,), attrs)
    https_conn = type("GuardedHTTPSConnection", (HTTPSConnection,), attrs)
    pool_attrs: dict[str, Any] = {}
    if on_conn is not None:
        hook = on_conn

        def _get_conn(self: Any, timeout: float | None = None) -> Any:
            conn = HTTPConnectionPool._get_conn(self, timeout)
            hook(conn)
            return conn

        pool_attrs["_get_conn"] = _get_conn
    http_pool = type(
        "GuardedHTTPConnectionPool",
        (HTTPConnectionPool,),
        {"ConnectionCls": http_conn, **pool_attrs},
    )
    https_pool = type(
        "GuardedHTTPSConnectionPool",
        (HTTPSConnectionPool,),
        {"ConnectionCls": https_conn, "_validate_conn": _validate_quietly, **pool_attrs},
    )
    return {"http": http_pool, "https": https_pool}


def _validate_quietly(self: Any, conn: Any) -> None:
    """``HTTPSConnectionPool._validate_conn`` without the InsecureRequestWarning.

    The crawl fetches unverified only on purpose (after classifying a refused certificate),
    and changing the process-wide warning filters from a library would be a side effect.
    """
    HTTPConnectionPool._validate_conn(self, conn)
    if conn.is_closed:
        conn.connect()
