"""OpenSSH sshd messages, session by session, counted the way fail2ban's modes count them.

A session is one sshd process (host, pid). Each message is one of:

- a **failure** (`Failed password`, `Invalid user`, `AllowUsers` refusals, PAM errors,
  `maximum authentication attempts exceeded`, ...): counted at once;
- a **pending failure** (`Failed publickey` of a valid user, the PAM module's
  `authentication failure;`): counted only if the session ends without success, dropped
  when it succeeds; a failure in the same session stands for the pending ones;
- a **success** (`Accepted ...`): drops the session's pending failures;
- an **end** (`Connection closed`, `Disconnected from`, `Received disconnect`, ...): the
  session's pending failures are counted now; in `ddos` and `aggressive` modes an end
  before authentication is itself a failure.

The source address is taken only from the part of a message sshd writes itself: for
forms that embed a user name (which the client chooses), from the **last** `from HOST`
clause, so a user name such as `x from 10.0.0.1 port 1 ssh2` cannot put an address there.
Messages without an address (`Too many authentication failures`, `account is locked`) are
attributed to the address the session gave earlier.

Modes (fail2ban's): `normal` counts authentication failures; `ddos` adds pre-auth noise
(no identification string, bad protocol version, kex errors, connections dropped before
authentication); `aggressive` adds to `ddos` the algorithm-negotiation failures and
`14: No supported authentication methods`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from vigil.security.threats.hosts import normalise_host
from vigil.security.threats.model import AUTH_FAILURE, AUTH_SUCCESS, AuthEvent

Mode = Literal["normal", "aggressive", "ddos"]
MODES: tuple[Mode, ...] = ("normal", "aggressive", "ddos")
SERVICE = "sshd"
# A session silent for this long is forgotten (sshd's LoginGraceTime is 120 s by default).
SESSION_IDLE_SECONDS = 600.0

# Greedy user groups make the host the last clause that still leaves a valid trailer.
_FAILED = re.compile(
    r"Failed (\S+) for (invalid user )?(.*) from (\S+) port \d+(?: ssh\d*)?(?:: .*)?$")
_INVALID = re.compile(r"(?:Invalid|Illegal) user (.*) from (\S+)(?: port \d+)?\s*$")
_NOT_ALLOWED = re.compile(
    r"User (.*) from (\S+) not allowed because (?:not listed in AllowUsers|listed in "
    r"DenyUsers|not in any group|a group is listed in DenyGroups|none of user's groups are "
    r"listed in AllowGroups)\s*$")
_LOCKED = re.compile(r"User (.*) not allowed because account is locked")
_PAM_ERROR = re.compile(
    r"(?:PAM: )?[aA]uthentication (?:failure|error|failed) for (.*) from (\S+)(?: via \S+)?\s*$")
_UNKNOWN_USER = re.compile(
    r"User not known to the underlying authentication module for (.*) from (\S+)\s*$")
_ROOT_REFUSED = re.compile(r"ROOT LOGIN REFUSED FROM (\S+)")
_MAX_ATTEMPTS = re.compile(
    r"maximum authentication attempts exceeded for (invalid user )?(.*) from (\S+) port \d+"
    r"(?: ssh\d*)?(?: \[preauth\])?\s*$")
_TOO_MANY_USER = re.compile(
    r"Disconnecting (?:authenticating |invalid )?user (.*) (\S+) port \d+: "
    r"Too many authentication failures")
_TOO_MANY = re.compile(r"Disconnecting: Too many authentication failures(?: for (.*?))?"
                       r"(?: \[preauth\])?\s*$")
_RECEIVED_DISCONNECT = re.compile(
    r"Received disconnect from (?:(\S+) port \d+|(\S+)):\s*(\d+): ?(.*)")
_ACCEPTED = re.compile(r"Accepted (\S+) for (.*) from (\S+) port \d+")
_CLOSED = re.compile(
    r"(?:Connection (?:closed|reset) by|Disconnected from)"
    r"(?: (?:(authenticating|invalid) )?user (.*))? ([^\s\[]\S*)(?: port \d+)?( \[preauth\])?\s*$")
_TIMEOUT = re.compile(r"fatal: Timeout before authentication for (\S+)")
_CONNECTION_FROM = re.compile(r"Connection from (\S+) port \d+")
_NO_IDENT = re.compile(r"Did not receive identification string from (\S+)")
_BAD_VERSION = re.compile(r"Bad protocol version identification '.*' from (\S+?)(?: port \d+)?\s*$")
_BANNER = re.compile(r"banner exchange: Connection from (\S+) port \d+: invalid format")
_NEGOTIATE_WITH = re.compile(r"Unable to negotiate with (\S+) port \d+: no matching")
_REPEATED = re.compile(r"message repeated (\d+) times: \[ ?(.*?) ?\]\s*$")
_SOLARIS_ID = re.compile(r"\[ID \d+ [\w.]+\] ")

# First characters of every message this module reads (a cheap pre-filter for callers too).
SSHD_FIRSTS = frozenset("FIUAaPpRDCmBbkfn[e")


@dataclass(slots=True)
class _Session:
    """What one sshd process said so far."""

    last: datetime
    host: str = ""
    user: str = ""
    succeeded: bool = False
    pending: list[tuple[datetime, str, bool, str]] = field(default_factory=list)


class SshdSessions:
    """Feed sshd messages of many sessions; get the failures and successes they count."""

    def __init__(self, mode: Mode = "normal") -> None:
        """Count as `mode` (normal, aggressive or ddos) defines."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        self.mode = mode
        self.preauth_noise = mode in ("ddos", "aggressive")
        self.extra = mode == "aggressive"
        self._sessions: dict[tuple[str, str], _Session] = {}

    def feed(self, when: datetime, key: tuple[str, str], msg: str, line: str) -> list[AuthEvent]:
        """The events one sshd message (without its syslog header) counts."""
        if not msg:
            return []
        first = msg[0]
        if first not in SSHD_FIRSTS:
            return []
        if first in "[efP":
            msg = _strip_prefixes(msg)
            if not msg:
                return []
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = _Session(when)
        session.last = when
        return self._dispatch(when, key, session, msg, line)

    def sweep(self, now: datetime) -> None:
        """Forget sessions silent for `SESSION_IDLE_SECONDS` (their outcome is unknown)."""
        limit = now.timestamp() - SESSION_IDLE_SECONDS
        stale = [k for k, s in self._sessions.items() if s.last.timestamp() < limit]
        for k in stale:
            del self._sessions[k]

    # --- one message ----------------------------------------------------------------

    def _dispatch(self, when: datetime, key: tuple[str, str], s: _Session, msg: str,
                  line: str) -> list[AuthEvent]:
        head = msg[0]
        if head == "F" and msg.startswith("Failed "):
            return self._failed(when, s, msg, line)
        if head == "I" and (msg.startswith("Invalid user ") or msg.startswith("Illegal user ")):
            m = _INVALID.match(msg)
            if m is not None:
                return self._fail(when, s, m.group(2), m.group(1), True, line)
            return []
        if head == "A":
            if msg.startswith("Accepted "):
                m = _ACCEPTED.match(msg)
                if m is None:
                    return []
                host = normalise_host(m.group(3)) or s.host
                s.pending.clear()
                s.succeeded = True
                return [AuthEvent(when, host, m.group(2), AUTH_SUCCESS, SERVICE, False, [line])]
            m = _PAM_ERROR.match(msg)
            return [] if m is None else self._fail(when, s, m.group(2), m.group(1), False, line)
        if head in "Pp":
            if msg.startswith("PAM: "):
                m = _PAM_ERROR.match(msg)
                return [] if m is None else self._fail(when, s, m.group(2), m.group(1), False,
                                                       line)
            if msg.startswith("pam_"):
                return self._pam(when, s, msg, line)
            return []
        if head == "a":
            m = _PAM_ERROR.match(msg)
            return [] if m is None else self._fail(when, s, m.group(2), m.group(1), False, line)
        if head == "U" and not msg.startswith("Unable"):
            return self._user(when, s, msg, line)
        if head == "R":
            if msg.startswith("Received disconnect from "):
                return self._received_disconnect(when, key, s, msg, line)
            if msg.startswith("ROOT LOGIN REFUSED"):
                m = _ROOT_REFUSED.match(msg)
                return [] if m is None else self._fail(when, s, m.group(1), "root", False, line)
            if msg.startswith("Read from socket failed") and self.preauth_noise:
                s.pending.append((when, s.user, False, line))
            return []
        if head == "m":
            if msg.startswith("maximum authentication attempts exceeded"):
                m = _MAX_ATTEMPTS.match(msg)
                if m is not None:
                    return self._fail(when, s, m.group(3), m.group(2), bool(m.group(1)), line)
                return []
            if msg.startswith("message repeated "):
                return self._repeated(when, key, s, msg, line)
            return []
        if head == "D":
            if msg.startswith("Disconnecting"):
                return self._too_many(when, key, s, msg, line)
            if msg.startswith("Disconnected from "):
                return self._closed(when, key, s, msg, line)
            if msg.startswith("Did not receive identification string") and self.preauth_noise:
                m = _NO_IDENT.match(msg)
                return [] if m is None else self._end(when, key, s, m.group(1), line, True)
            return []
        if head == "C":
            if msg.startswith("Connection closed") or msg.startswith("Connection reset"):
                return self._closed(when, key, s, msg, line)
            if msg.startswith("Connection from "):
                m = _CONNECTION_FROM.match(msg)
                if m is not None:
                    s.host = normalise_host(m.group(1)) or s.host
            return []
        if head == "f" and msg.startswith("fatal: Timeout before authentication"):
            m = _TIMEOUT.match(msg)
            return [] if m is None else self._end(when, key, s, m.group(1), line, False)
        if not self.preauth_noise:
            return []
        return self._noise(when, key, s, msg, line)

    def _failed(self, when: datetime, s: _Session, msg: str, line: str) -> list[AuthEvent]:
        m = _FAILED.match(msg)
        if m is None:
            return []
        method, invalid, user, host = m.group(1), bool(m.group(2)), m.group(3), m.group(4)
        if method == "publickey" and not invalid:
            # A client offers its keys one by one: only a session that ends without any
            # success makes these failures.
            s.host = normalise_host(host) or s.host
            s.user = user
            s.pending.append((when, user, False, line))
            return []
        return self._fail(when, s, host, user, invalid, line)

    def _fail(self, when: datetime, s: _Session, host: str, user: str, invalid: bool,
              line: str) -> list[AuthEvent]:
        """A failure counted now; it stands for the session's pending ones."""
        source = normalise_host(host) or s.host
        if not source:
            return []
        s.host = source
        s.user = user
        s.pending.clear()
        return [AuthEvent(when, source, user, AUTH_FAILURE, SERVICE, invalid, [line])]

    def _pam(self, when: datetime, s: _Session, msg: str, line: str) -> list[AuthEvent]:
        # `pam_<module>(sshd:auth): authentication failure; ...` of any PAM module.
        if "(sshd:auth):" not in msg[:48] or "authentication failure;" not in msg:
            return []
        at = msg.find(" rhost=")
        if at < 0:
            return []
        rhost, _, rest = msg[at + 7:].partition(" ")
        if not s.host:
            s.host = normalise_host(rhost)
        user = s.user
        at = rest.find("user=")
        if at >= 0:
            user = rest[at + 5:].split(" ", 1)[0] or user
        s.pending.append((when, user, False, line))
        return []

    def _user(self, when: datetime, s: _Session, msg: str, line: str) -> list[AuthEvent]:
        if msg.startswith("User not known"):
            m = _UNKNOWN_USER.match(msg)
            return [] if m is None else self._fail(when, s, m.group(2), m.group(1), True, line)
        if not msg.startswith("User "):
            return []
        if msg.endswith("account is locked"):
            m = _LOCKED.match(msg)
            return [] if m is None else self._fail(when, s, "", m.group(1), False, line)
        m = _NOT_ALLOWED.match(msg)
        return [] if m is None else self._fail(when, s, m.group(2), m.group(1), False, line)

    def _too_many(self, when: datetime, key: tuple[str, str], s: _Session, msg: str,
                  line: str) -> list[AuthEvent]:
        if "Too many authentication failures" not in msg:
            return []
        m = _TOO_MANY_USER.match(msg)
        if m is not None:
            out = self._fail(when, s, m.group(2), m.group(1), False, line)
        else:
            m2 = _TOO_MANY.match(msg)
            if m2 is None:
                return []
            out = self._fail(when, s, "", m2.group(1) or s.user, False, line)
        self._sessions.pop(key, None)
        return out

    def _received_disconnect(self, when: datetime, key: tuple[str, str], s: _Session, msg: str,
                             line: str) -> list[AuthEvent]:
        if not s.pending and not self.extra and "Auth fail" not in msg:
            self._sessions.pop(key, None)  # nothing to count: skip the parse
            return []
        m = _RECEIVED_DISCONNECT.match(msg)
        if m is None:
            return []
        host, code, text = m.group(1) or m.group(2), m.group(3), m.group(4)
        preauth = text.endswith("[preauth]")
        if code == "3" and "Auth fail" in text and preauth:
            out = self._fail(when, s, host, s.user, False, line)
            self._sessions.pop(key, None)
            return out
        if code == "14" and self.extra and preauth and (
                "No supported authentication methods available" in text
                or "No authentication methods available" in text):
            out = self._fail(when, s, host, s.user, False, line)
            self._sessions.pop(key, None)
            return out
        return self._end(when, key, s, host, line, False)

    def _closed(self, when: datetime, key: tuple[str, str], s: _Session, msg: str,
                line: str) -> list[AuthEvent]:
        if not s.pending and not self.preauth_noise:
            self._sessions.pop(key, None)  # nothing to count: skip the parse
            return []
        m = _CLOSED.match(msg)
        if m is None:
            return []
        preauth = bool(m.group(4))
        if m.group(2) is not None and not s.user:
            s.user = m.group(2)
        return self._end(when, key, s, m.group(3), line, preauth and self.preauth_noise)

    def _end(self, when: datetime, key: tuple[str, str], s: _Session, host: str, line: str,
             failure: bool) -> list[AuthEvent]:
        """The session ends: pending failures count unless it succeeded."""
        self._sessions.pop(key, None)
        source = normalise_host(host) or s.host
        if s.succeeded or not source:
            return []
        out = [AuthEvent(when, source, user, AUTH_FAILURE, SERVICE, invalid, [first, line])
               for _t, user, invalid, first in s.pending]
        if failure and not out:
            out.append(AuthEvent(when, source, s.user, AUTH_FAILURE, SERVICE, False, [line]))
        return out

    def _repeated(self, when: datetime, key: tuple[str, str], s: _Session, msg: str,
                  line: str) -> list[AuthEvent]:
        m = _REPEATED.match(msg)
        if m is None:
            return []
        inner = m.group(2)
        out: list[AuthEvent] = []
        for _ in range(min(int(m.group(1)), 1000)):
            out.extend(self._dispatch(when, key, s, inner, line) if inner else [])
        return out

    def _noise(self, when: datetime, key: tuple[str, str], s: _Session, msg: str,
               line: str) -> list[AuthEvent]:
        """Pre-auth noise (ddos and aggressive modes only)."""
        if msg.startswith("Bad protocol version identification"):
            m = _BAD_VERSION.match(msg)
            return [] if m is None else self._fail(when, s, m.group(1), "", False, line)
        if msg.startswith("banner exchange: "):
            m = _BANNER.match(msg)
            return [] if m is None else self._fail(when, s, m.group(1), "", False, line)
        if msg.startswith("kex_exchange_identification: "):
            # No address here: the connection's end (next line) names it.
            s.pending.append((when, s.user, False, line))
            return []
        if not self.extra:
            return []
        if msg.startswith("Unable to negotiate with "):
            m = _NEGOTIATE_WITH.match(msg)
            return [] if m is None else self._fail(when, s, m.group(1), "", False, line)
        if msg.startswith("Unable to negotiate a ") or msg.startswith("no matching "):
            s.pending.append((when, s.user, False, line))
        return []


def _strip_prefixes(msg: str) -> str:
    """The message without Solaris' `[ID n facility.level]`, `error: `, `fatal: `, `PAM: `."""
    if msg.startswith("[ID "):
        m = _SOLARIS_ID.match(msg)
        if m is not None:
            msg = msg[m.end():]
    if msg.startswith("error: ") or (
            msg.startswith("fatal: ") and not msg.startswith("fatal: Timeout")):
        msg = msg[7:]
    if msg.startswith("PAM: "):
        msg = msg[5:]
    return msg
