"""Source addresses as written by a daemon: normalised, and checked to be an address."""

from __future__ import annotations

import ipaddress
from functools import lru_cache


@lru_cache(maxsize=65536)
def normalise_host(token: str) -> str:
    """`token` as a source: brackets and trailing punctuation dropped, `::ffff:` mapped IPv4
    addresses as IPv4, IPv6 in its short lower-case form; "" when it is not an IP address
    or a plausible host name."""
    token = token.strip().rstrip(":,;").strip("[]()")
    if not token:
        return ""
    try:
        addr = ipaddress.ip_address(token)
    except ValueError:
        # A host name (sshd with UseDNS, PAM's rhost): letters, digits, '-', '.' only.
        if all(c.isalnum() or c in "-._" for c in token) and any(c.isalpha() for c in token):
            return token.lower()
        return ""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def host_port(token: str) -> str:
    """The host of `HOST:PORT`, `[V6]:PORT` or a bare host (Dropbear, Apache `[client ...]`)."""
    if token.startswith("["):
        return normalise_host(token[1:token.find("]")] if "]" in token else token)
    head, sep, port = token.rpartition(":")
    if sep and port.isdigit() and head:
        # v4:port, or v6 with a port appended (never ambiguous for v4; for v6 the caller
        # knows a port is always written).
        return normalise_host(head)
    return normalise_host(token)
