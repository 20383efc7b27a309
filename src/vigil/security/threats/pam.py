"""PAM `authentication failure;` lines of any service (pam-generic): su, login, vsftpd,
the old `sshd(pam_unix)` format, ... Only failures naming a remote host (`rhost=`) count:
a local `su` typo is no attack from anywhere."""

from __future__ import annotations

import re
from datetime import datetime

from vigil.security.threats.hosts import normalise_host
from vigil.security.threats.model import AUTH_FAILURE, AuthEvent

_FAILURE = re.compile(r"(?:pam_[a-z0-9_]+\(([\w.-]+):auth\):\s+)?authentication failure;"
                      r".*?\brhost=(\S*)(?:\s+user=(\S*))?")


class PamFailures:
    """PAM failures per service; remembers `check pass; user unknown` for the next failure."""

    def __init__(self) -> None:
        """Start with no remembered unknown users."""
        self._unknown: dict[tuple[str, str], bool] = {}

    def feed(self, when: datetime, key: tuple[str, str], service: str, msg: str,
             line: str) -> list[AuthEvent]:
        """The failure one PAM message records, if any."""
        if "user unknown" in msg and "check pass" in msg:
            if len(self._unknown) > 10_000:
                self._unknown.clear()
            self._unknown[key] = True
            return []
        at = msg.find("authentication failure;")
        if at < 0:
            return []
        start = msg.rfind("pam_", 0, at)
        m = _FAILURE.match(msg, start if start >= 0 else at)
        if m is None:
            return []
        host = normalise_host(m.group(2))
        if not host:
            return []
        invalid = self._unknown.pop(key, False)
        return [AuthEvent(when, host, m.group(3) or "", AUTH_FAILURE, m.group(1) or service,
                          invalid, [line])]
