"""Annotate loghub's OpenSSH_2k.log / Linux_2k.log for `vigil threats score`.

An independent, whole-file annotator (it is not Vigil's parser): each line is classified
by its message template, following fail2ban's normal-mode semantics for sshd and its
pam-generic filter for the old `sshd(pam_unix)` lines, and looking at every line of the
same process id across the whole file (as a person annotating would):

- `Failed <method>` (not publickey), `Invalid user`, `message repeated ... Failed`,
  `Received disconnect ... 3: ... Auth fail`, `Disconnecting: Too many authentication
  failures` and `maximum authentication attempts` lines match;
- a `pam_unix(sshd:auth): authentication failure` line does not; if its process writes no
  failure and no `Accepted` line at all, the line ending that process matches;
- `sshd(pam_unix)[pid]: authentication failure; ... rhost=HOST` (pam-generic) matches;
- the host is the last IPv4 address on the line, else the one the process named earlier,
  else `rhost=`.

Usage: .venv/bin/python benchmarks/annotate_loghub.py /work/shared/data/logs OUT_DIR
then:  .venv/bin/vigil threats score OUT_DIR/OpenSSH_2k.log OUT_DIR/Linux_2k.log
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

_IP = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b")
_PID = re.compile(r"^(\w{3}) +(\d+) (\d\d:\d\d:\d\d) \S+ ([\w()-]+)\[(\d+)\]: (.*)$")
_FAILS = ("Failed password", "Failed none", "Failed keyboard-interactive", "Invalid user",
          "Disconnecting: Too many authentication failures", "maximum authentication")
_ENDS = ("Received disconnect", "Connection closed", "Disconnected from", "Connection reset")


def annotate(lines: list[str], year: int) -> list[str]:
    """The lines, each preceded by its `# failJSON:` annotation."""
    parsed = [_PID.match(line) for line in lines]
    by_pid: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(parsed):
        if m is not None:
            by_pid[m.group(5)].append(i)
    match: dict[int, str] = {}
    for indices in by_pid.values():
        host = ""
        for i in indices:
            m = parsed[i]
            assert m is not None
            prog, msg = m.group(4), m.group(6)
            ips = _IP.findall(msg)
            if prog == "sshd" and ips and not msg.startswith("pam_unix"):
                host = ips[-1]
            if prog == "sshd(pam_unix)":
                rhost = msg.partition("rhost=")[2].split(" ")[0]
                if "authentication failure;" in msg and rhost:
                    match[i] = rhost
                continue
            if prog != "sshd":
                continue
            body = msg[7:] if msg.startswith("error: ") else msg
            if body.startswith(_FAILS) or (
                    body.startswith("message repeated") and "Failed password" in body) or (
                    body.startswith("Received disconnect") and ": 3: " in body
                    and "Auth fail" in body):
                match[i] = ips[-1] if ips else host
        msgs = [parsed[i].group(6) for i in indices if parsed[i] is not None]  # type: ignore[union-attr]
        pam = any("pam_unix(sshd:auth): authentication failure" in x for x in msgs)
        decided = any(i in match for i in indices) or any(x.startswith("Accepted") for x in msgs)
        if pam and not decided:
            ends = [i for i in indices
                    if parsed[i] is not None and parsed[i].group(6).removeprefix("error: ")  # type: ignore[union-attr]
                    .startswith(_ENDS)]
            if ends and host:
                match[ends[0]] = host
    out: list[str] = []
    for i, line in enumerate(lines):
        m = parsed[i]
        if i in match and m is not None:
            stamp = datetime.strptime(f"{year} {m.group(1)} {m.group(2)} {m.group(3)}",
                                      "%Y %b %d %H:%M:%S").isoformat()
            note = {"time": stamp, "match": True, "host": match[i]}
        else:
            note = {"match": False}
        out.append("# failJSON: " + json.dumps(note))
        out.append(line)
    return out


def main() -> int:
    """Annotate both files into OUT_DIR."""
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    for name in ("OpenSSH_2k.log", "Linux_2k.log"):
        lines = (source / name).read_text(encoding="utf-8", errors="replace").splitlines()
        (target / name).write_text("\n".join(annotate(lines, 2024)) + "\n", encoding="utf-8")
        print(json.dumps({"file": name, "lines": len(lines),
                          "annotated_matches": sum('"match": true' in x for x in
                                                   annotate(lines, 2024))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
