"""Who the client is behind trusted reverse proxies: X-Forwarded-For or RFC 7239 Forwarded.

Lockouts and the `AUTH_FAILED` log count per client address. Behind a reverse proxy
the peer of every connection is the proxy, so the address must come from the header
the proxy adds; but anyone can send that header, so it is read only when the peer is
one of the configured trusted proxy networks (none by default). The header is then
walked from the right (the hop the last trusted proxy saw) past every trusted hop,
and the first untrusted hop is the client: what an attacker writes to the left of it
is never used. Which header the proxies write is configured too, since a proxy that
appends to one header passes the other through from the client unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Literal

Network = IPv4Network | IPv6Network
ForwardedHeader = Literal["x-forwarded-for", "forwarded"]

MAX_ADDRESS_LENGTH = 64
"""A hop that is not an IP address is used as it is, cut to this length."""


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR networks ("10.0.0.0/8, 192.0.2.7")."""
    networks: list[Network] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network "
                             "(e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)") from None
    return tuple(networks)


def x_forwarded_for_hops(values: Iterable[str]) -> list[str]:
    """The hops of X-Forwarded-For headers, leftmost (the claimed client) first."""
    return [_host(hop) for value in values for hop in value.split(",") if hop.strip()]


def forwarded_hops(values: Iterable[str]) -> list[str]:
    """The `for=` hops of RFC 7239 Forwarded headers, leftmost first.

    An element without `for=` counts as an unknown hop (it cannot be skipped as trusted).
    """
    hops: list[str] = []
    for value in values:
        for element in value.split(","):
            if not element.strip():
                continue
            found = "unknown"
            for pair in element.split(";"):
                name, _, token = pair.partition("=")
                if name.strip().lower() == "for":
                    found = _host(token)
            hops.append(found)
    return hops


def _host(hop: str) -> str:
    """The address of a hop without quotes, brackets or port ("[2001:db8::1]:4711")."""
    hop = hop.strip().strip('"').strip()
    if hop.startswith("["):
        return hop[1:].partition("]")[0]
    if hop.count(":") == 1:  # IPv4 (or a name) with a port; a bare IPv6 has several
        return hop.partition(":")[0]
    return hop


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ProxyTrust:
    """Resolves the client address of a request from its peer and forwarding headers."""

    def __init__(self, networks: tuple[Network, ...] = (),
                 header: ForwardedHeader = "x-forwarded-for") -> None:
        self.networks = networks
        self.header = header

    def trusts(self, host: str) -> bool:
        """True when `host` is an address inside a trusted proxy network."""
        address = _address(host)
        return address is not None and any(address in net for net in self.networks)

    def client(self, peer: str | None, header_values: Iterable[str]) -> str:
        """The client's address: the peer, or the rightmost untrusted forwarded hop."""
        if not peer:
            return "unknown"
        if not self.networks or not self.trusts(peer):
            return peer
        parse = forwarded_hops if self.header == "forwarded" else x_forwarded_for_hops
        hops = parse(header_values)
        for hop in reversed(hops):
            if not self.trusts(hop):
                return _normal(hop)
        return _normal(hops[0]) if hops else peer


def _normal(hop: str) -> str:
    """An address in its canonical text form, or the hop as sent (cut short)."""
    address = _address(hop)
    return str(address) if address is not None else (hop[:MAX_ADDRESS_LENGTH] or "unknown")
