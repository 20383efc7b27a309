"""The client address behind trusted proxies: rightmost untrusted hop, spoofing ignored."""

from __future__ import annotations

import pytest

from vigil.config import Settings
from vigil.core.forwarded import ProxyTrust, forwarded_hops, parse_networks, x_forwarded_for_hops

PROXIES = parse_networks("10.0.0.0/8, 192.0.2.7, fd00::/8")


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    trust = ProxyTrust(PROXIES)
    assert trust.client("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"
    assert ProxyTrust().client("10.0.0.1", ["198.51.100.1"]) == "10.0.0.1"  # none trusted


def test_through_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() -> None:
    trust = ProxyTrust(PROXIES)
    # the attacker wrote "1.2.3.4"; the proxy appended the address it saw
    assert trust.client("10.1.2.3", ["1.2.3.4, 198.51.100.20"]) == "198.51.100.20"
    # two proxies in a row (both trusted) are skipped; headers sent twice are one list
    assert trust.client("10.1.2.3", ["1.2.3.4", "198.51.100.20, 192.0.2.7"]) == "198.51.100.20"
    # a chain of trusted hops only: the leftmost is the best we know
    assert trust.client("10.1.2.3", ["10.9.9.9, 10.8.8.8"]) == "10.9.9.9"
    # no header at all: the proxy itself
    assert trust.client("10.1.2.3", []) == "10.1.2.3"


def test_forwarded_header_hops_with_quotes_ports_and_ipv6() -> None:
    value = 'for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711"'
    assert forwarded_hops([value, "proto=https"]) == ["192.0.2.60", "2001:db8:cafe::17",
                                                      "unknown"]
    trust = ProxyTrust(PROXIES, "forwarded")
    assert trust.client("fd00::1", ['for=1.2.3.4, for="[2001:db8::5]:80"']) == "2001:db8::5"
    # X-Forwarded-For is not read when the proxies write Forwarded (and vice versa)
    assert trust.client("10.0.0.1", []) == "10.0.0.1"


def test_hops_are_normalised() -> None:
    assert x_forwarded_for_hops([" 198.51.100.1:5000 , ::ffff:198.51.100.2,,"]) == [
        "198.51.100.1", "::ffff:198.51.100.2"]
    trust = ProxyTrust(PROXIES)
    assert trust.client("10.0.0.1", ["::ffff:198.51.100.2"]) == "198.51.100.2"
    assert trust.client("::ffff:10.0.0.1", ["198.51.100.3"]) == "198.51.100.3"
    assert trust.client("10.0.0.1", ["x" * 500]) == "x" * 64


def test_trusted_proxies_setting_is_validated_and_normalised() -> None:
    settings = Settings(trusted_proxies=" 10.0.0.1/8 ,192.0.2.7", forwarded_header="forwarded")
    assert settings.trusted_proxies == "10.0.0.0/8,192.0.2.7/32"
    assert settings.proxy_trust().client("10.2.2.2", ["for=198.51.100.4"]) == "198.51.100.4"
    with pytest.raises(ValueError, match="not an IP address or network"):
        Settings(trusted_proxies="10.0.0.0/8,proxy.internal")
    assert Settings().proxy_trust().networks == ()
