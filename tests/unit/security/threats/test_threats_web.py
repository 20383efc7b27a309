"""Access logs: parsing, injections (URL-decoded), scanners, credential stuffing."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.security.threats import ThreatEngine, ThreatsConfig
from vigil.security.threats.access import AccessLogParser
from vigil.security.threats.web_patterns import injection_types, scanner_of

FIXTURES = Path(__file__).parents[3] / "fixtures" / "threats"


def _threats(config: ThreatsConfig | None = None) -> dict[tuple[str, str], object]:
    engine = ThreatEngine(config)
    engine.feed_lines((FIXTURES / "access.log").read_text().splitlines())
    return {(t.type, t.source_ip): t for t in engine.finish()}


def test_combined_format_is_parsed_including_quoted_exports() -> None:
    parser = AccessLogParser()
    ev = parser.feed('"192.168.4.25 - - [22/Dec/2016:16:30:52 +0300] "POST /a/b.php?x=1 '
                     'HTTP/1.1" 303 382 "http://r/" "UA 1.0""')
    assert ev is not None
    assert (ev.source_ip, ev.method, ev.path, ev.query, ev.status, ev.user_agent) == (
        "192.168.4.25", "POST", "/a/b.php", "x=1", 303, "UA 1.0")
    assert ev.time.utcoffset() is not None and ev.time.utcoffset().total_seconds() == 3 * 3600
    assert parser.feed("garbage") is None


def test_each_injection_family_is_found_in_the_fixture() -> None:
    found = _threats()
    for kind in ("sql_injection", "xss", "path_traversal", "command_injection"):
        assert (kind, "192.0.2.20") in found, kind
        assert found[(kind, "192.0.2.20")].technique == "T1190"  # type: ignore[attr-defined]
    assert found[("sql_injection", "192.0.2.20")].count == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize(("target", "kind"), [
    ("/s?q=%2527%2520OR%2520%25271%2527%253D%25271", "sql_injection"),  # double-encoded
    ("/s?q=1+union+all+select+null,null--", "sql_injection"),
    ("/p?x=%3Cimg%20src=x%20onerror=alert(1)%3E", "xss"),
    ("/f?path=..%2F..%2F..%2Fetc%2Fpasswd", "path_traversal"),
    ("/run?c=%60id%60", "command_injection"),
    ("/run?c=x%7Cwhoami", "command_injection"),
])
def test_encoded_payloads_are_decoded_first(target: str, kind: str) -> None:
    assert kind in injection_types(target)


@pytest.mark.parametrize("target", [
    "/products?page=2&sort=price", "/blog/2024/03/selecting-the-right-tool",
    "/search?q=rock+and+roll", "/api/v1/items?id=42&lang=en", "/static/app.min.js",
])
def test_ordinary_requests_are_not_injections(target: str) -> None:
    assert injection_types(target) == []


def test_scanners_are_named_from_user_agents_and_payloads() -> None:
    assert scanner_of("Mozilla/5.00 (Nikto/2.1.6)") == "nikto"
    assert scanner_of("w3af.org") == "w3af"
    assert scanner_of("/x/Netsparker5813f70393f249298de468dad74c98a4/") == "netsparker"
    assert scanner_of("/x?a=print(md5(acunetix_wvs_security_test))") == "acunetix"
    assert scanner_of("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0") is None
    scan = _threats()[("web_vulnerability_scan", "192.0.2.10")]
    assert scan.details["scanners"] == ["nikto"]  # type: ignore[attr-defined]
    assert scan.technique == "T1595.002"  # type: ignore[attr-defined]


def test_credential_stuffing_threshold() -> None:
    found = _threats()
    stuffing = found[("http_credential_stuffing", "192.0.2.30")]
    assert stuffing.count == 25 and stuffing.targets == ["/login"]  # type: ignore[attr-defined]
    strict = ThreatsConfig.model_validate({"credential_stuffing": {"threshold": 30}})
    assert ("http_credential_stuffing", "192.0.2.30") not in _threats(strict)


def test_benign_client_raises_nothing() -> None:
    assert not any(ip == "10.1.2.3" for _, ip in _threats())


def test_4xx_burst_without_fingerprint_is_a_scan() -> None:
    lines = [f'198.51.100.1 - - [10/Mar/2024:10:00:{i % 60:02d} +0000] "GET /p{i} HTTP/1.1" '
             f'404 10 "-" "curl/8"' for i in range(60)]
    engine = ThreatEngine()
    engine.feed_lines(lines)
    threats = engine.finish()
    assert [t.type for t in threats] == ["web_vulnerability_scan"]
    assert threats[0].details["reasons"] == ["4xx burst"]


def test_pure_python_fallback_agrees_with_the_automaton(monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.security.threats import web_patterns

    parser = AccessLogParser()
    texts = []
    for line in (FIXTURES / "access.log").read_text().splitlines():
        ev = parser.feed(line)
        if ev is not None:
            texts.append(web_patterns.decode(ev.path + ("?" + ev.query if ev.query else "")))
    texts += ["/x?a=print(md5(acunetix_wvs_security_test))", "/netsparker1234/?q=<script>"]
    fast = [web_patterns.analyse(t) for t in texts]
    monkeypatch.setattr(web_patterns, "_AUTOMATON", None)
    assert [web_patterns.analyse(t) for t in texts] == fast
    assert any(scanner for scanner, _ in fast) and any(kinds for _, kinds in fast)


def test_benign_traffic_with_sql_words_downloads_and_admin_paths_raises_nothing() -> None:
    """Searches for "select ... from", "union select", "dog & cat", tool names; downloads of
    .zip/.sql/.tar.gz; a WordPress admin at work; monitoring scraping /server-status and
    /actuator: all answered normally, none of it is an attack."""
    engine = ThreatEngine()
    engine.feed_lines((FIXTURES / "benign_access.log").read_text().splitlines())
    assert engine.stats.unparseable == 0 and engine.stats.http_events > 30
    assert [(t.type, t.source_ip) for t in engine.finish()] == []


@pytest.mark.parametrize(("target", "kind"), [
    ("/s?id=1+and+(select+count(*)+from+users)>0", "sql_injection"),
    ("/s?id=1;select+*+from+users", "sql_injection"),
    ("/s?q=1+union+select+password+from+users", "sql_injection"),
    ("/r?c=1%26%26id", "command_injection"),
    ("/r?c=1%26sleep+5", "command_injection"),
    ("/r?c=a;ls+-la", "command_injection"),
    ("/s?id=1+union%23%0aselect+1,2", "sql_injection"),  # MySQL comment + newline
    ("/s?c=%0aid", "command_injection"),  # newline as the command separator
    ("/s?c=1%0Acat+/etc/passwd", "command_injection"),
    ("/a/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/shadow", "path_traversal"),  # overlong UTF-8
    ("/a/%25c0%25ae%25c0%25ae%25c0%25afetc/passwd", "path_traversal"),  # ... double-encoded
    ("/s?q=%u003cscript%u003ealert(1)", "xss"),  # IIS %u escapes
])
def test_payloads_in_sql_and_shell_context_are_still_found(target: str, kind: str) -> None:
    assert kind in injection_types(target)


def test_everyday_probe_paths_count_only_when_the_server_says_no() -> None:
    def scan(status: int, path: str) -> list[str]:
        lines = [f'198.51.100.7 - - [10/Mar/2024:10:00:0{i} +0000] "GET {path}{i} HTTP/1.1" '
                 f'{status} 10 "-" "Mozilla/5.0"' for i in range(4)]
        engine = ThreatEngine()
        engine.feed_lines(lines)
        return [t.type for t in engine.finish()]

    assert scan(200, "/wp-admin/edit.php?p=") == []
    assert scan(404, "/wp-admin/edit.php?p=") == ["web_vulnerability_scan"]
    assert scan(200, "/.git/objects/") == ["web_vulnerability_scan"]


def test_apache_vhost_combined_lines_are_attributed_to_the_client() -> None:
    """Debian's other_vhosts_access.log puts `vhost:port` first; the client comes second."""
    parser = AccessLogParser()
    ev = parser.feed('shop.example:443 203.0.113.9 - alice [10/Mar/2024:10:00:00 +0000] '
                     '"GET /cart HTTP/1.1" 200 512 "-" "Mozilla/5.0"')
    assert ev is not None and (ev.source_ip, ev.path, ev.status) == ("203.0.113.9", "/cart", 200)
    plain = parser.feed('203.0.113.9 - alice [10/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1')
    assert plain is not None and plain.source_ip == "203.0.113.9"


def test_posts_to_author_pages_are_not_login_attempts() -> None:
    def stuffing(path: str) -> list[str]:
        lines = [f'198.51.100.8 - - [10/Mar/2024:10:00:{i:02d} +0000] "POST {path} HTTP/1.1" '
                 f'201 10 "-" "import-script/1.0"' for i in range(30)]
        engine = ThreatEngine()
        engine.feed_lines(lines)
        return [t.type for t in engine.finish()]

    assert stuffing("/api/authors") == []
    assert stuffing("/auth") == ["http_credential_stuffing"]
    assert stuffing("/auth/login") == ["http_credential_stuffing"]
