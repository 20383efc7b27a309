"""Web-server authentication failures from error logs: nginx basic auth and Apache
(`AH01617` password mismatch, `AH01618` user not found, `AH01790` authorization failure).

The client address is read where the server writes it: nginx's `, client: HOST, server:`
trailer after the (client-chosen) user name, matched from the end of the line; Apache's
`[client HOST:PORT]` field before the message. nginx's `no user/password was provided`
(a browser's first, credential-less request) counts only in `aggressive` mode.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from vigil.security.threats.hosts import host_port, normalise_host
from vigil.security.threats.model import AUTH_FAILURE, AuthEvent

NGINX = "nginx"
APACHE = "apache"
_NGINX_HEAD = re.compile(
    r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] \d+#\d+: (?:\*\d+ )?")
_NGINX_TRAILER = (r", client: (\S+), server: \S*, request: \"[^\"]*\", host: \"[^\"]*\""
                  r"(?:, referrer: \"[^\"]*\")?\s*$")
_NGINX_USER = re.compile(r"user \"(.*)\"(?::? password mismatch| was not found in \"[^\"]*\")"
                         + _NGINX_TRAILER)
_NGINX_NO_USER = re.compile(r"no user/password was provided for basic authentication"
                            + _NGINX_TRAILER)
_APACHE_HEAD = re.compile(
    r"\[(?:\w{3} )?(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)? (\d{4})\] "
    r"\[([\w:]+)\](?: \[pid (\d+)(?::tid \d+)?\])?(?: \[client ([^\]]+)\])?")
_APACHE_FAIL = re.compile(
    r"(?:AH01617: )?user (.*): authentication failure for \".*\": Password Mismatch"
    r"|(?:AH01618: )?user (.*) not found: \S*"
    r"|AH01790: user (.*): authorization failure for \".*\":")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}


class WebAuthErrorParser:
    """nginx and Apache error-log lines to failed basic-auth attempts."""

    def __init__(self, mode: str = "normal") -> None:
        """Count as `mode` defines (`aggressive` adds credential-less requests)."""
        self.aggressive = mode == "aggressive"

    def feed(self, line: str) -> list[AuthEvent] | None:
        """The attempts one line records; None when it is not an nginx/Apache error line."""
        if line[:1] == "[":
            return self._apache(line)
        return self._nginx(line)

    def _nginx(self, line: str) -> list[AuthEvent] | None:
        m = _NGINX_HEAD.match(line)
        if m is None:
            return None
        rest = line[m.end():]
        user = ""
        if rest.startswith("user \""):
            um = _NGINX_USER.match(rest)
            if um is None:
                return []
            user, host = um.group(1), um.group(2)
        elif rest.startswith("no user/password") and self.aggressive:
            nm = _NGINX_NO_USER.match(rest)
            if nm is None:
                return []
            host = nm.group(1)
        else:
            return []
        try:
            y, mo, d, h, mi, sec = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
            when = datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
        except ValueError:
            return []
        source = normalise_host(host)
        if not source:
            return []
        return [AuthEvent(when, source, user, AUTH_FAILURE, NGINX, False, [line])]

    def _apache(self, line: str) -> list[AuthEvent] | None:
        m = _APACHE_HEAD.match(line)
        if m is None:
            return None
        client = m.group(9)
        if client is None:
            return []
        msg = line[m.end():].lstrip()
        fm = _APACHE_FAIL.match(msg)
        if fm is None:
            return []
        # Apache 2.4 (with `[pid ...]`) always writes HOST:PORT; 2.2 writes the bare host.
        source = host_port(client) if m.group(8) else normalise_host(client)
        if not source:
            return []
        try:
            when = datetime(int(m.group(6)), _MONTHS.get(m.group(1), 1), int(m.group(2)),
                            int(m.group(3)), int(m.group(4)), int(m.group(5)), tzinfo=UTC)
        except ValueError:
            return []
        user = fm.group(1) or fm.group(2) or fm.group(3) or ""
        invalid = fm.group(2) is not None
        return [AuthEvent(when, source, user, AUTH_FAILURE, APACHE, invalid, [line])]
