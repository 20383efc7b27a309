"""Dropbear sshd messages: bad passwords, unknown users, exhausted tries, successes.

Dropbear writes the client as `HOST:PORT` at the end of the line; user names sit between
quotes before it, so the address is read from the last `from ` clause.
"""

from __future__ import annotations

import re
from datetime import datetime

from vigil.security.threats.hosts import host_port
from vigil.security.threats.model import AUTH_FAILURE, AUTH_SUCCESS, AuthEvent

SERVICE = "dropbear"
_BAD_PASSWORD = re.compile(r"[Bb]ad (?:PAM )?password attempt for (.*) from (\S+)\s*$")
_NO_USER = re.compile(r"[Ll]ogin attempt for nonexistent user(?: (.*))? from (\S+)\s*$")
_MAX_TRIES = re.compile(r"[Ee]xit before auth(?: from <[^>]*>)?: \(user '(.*)', \d+ fails\): "
                        r"Max auth tries reached - user '.*' from (\S+)\s*$")
_SUCCESS = re.compile(r"(?:Password|Pubkey|PAM password) auth succeeded for (.*?)"
                      r"(?: with key .*)? from (\S+)\s*$")


def dropbear_events(when: datetime, msg: str, line: str) -> list[AuthEvent]:
    """The attempt one Dropbear message records, if any."""
    first = msg[:1]
    if first in "Bb":
        m = _BAD_PASSWORD.match(msg)
        return [] if m is None else _event(when, m.group(2), m.group(1), False, AUTH_FAILURE,
                                           line)
    if first in "Ll":
        m = _NO_USER.match(msg)
        return [] if m is None else _event(when, m.group(2), m.group(1) or "", True,
                                           AUTH_FAILURE, line)
    if first in "Ee":
        m = _MAX_TRIES.match(msg)
        return [] if m is None else _event(when, m.group(2), m.group(1), False, AUTH_FAILURE,
                                           line)
    if first in "PpU":
        m = _SUCCESS.match(msg)
        return [] if m is None else _event(when, m.group(2), m.group(1), False, AUTH_SUCCESS,
                                           line)
    return []


def _event(when: datetime, hostport: str, user: str, invalid: bool, kind: str,
           line: str) -> list[AuthEvent]:
    host = host_port(hostport)
    if not host:
        return []
    name = user.strip()
    if len(name) >= 2 and name[0] in "'(" and name[-1] in "')":
        name = name.strip("()").strip("'")
    return [AuthEvent(when, host, name, kind, SERVICE, invalid, [line])]
