#!/usr/bin/env python3
"""A small Dockerfile linter for Vigil's image rules (hadolint is not in Debian).

Checks what the image promises: multi-stage, pinned base (no `latest`), dependencies from
requirements.lock, a non-root USER in the final stage, HEALTHCHECK on /health, `vigil` as
ENTRYPOINT (exec form), apt installs without recommends and with lists removed, no ADD of
URLs, no sudo. Prints `file:line: RULE message` per problem; exit 1 on any, 0 when clean.
Usage: python3 scripts/dockerfile_lint.py [Dockerfile]
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Instruction:
    """One Dockerfile instruction with continuation lines joined."""

    line: int
    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    """Split a Dockerfile into instructions (comments dropped, `\\` continuations joined)."""
    out: list[Instruction] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, args = buffer.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
        buffer = ""
    return out


def lint(text: str) -> list[tuple[int, str, str]]:
    """Every problem as (line, rule, message)."""
    items = parse(text)
    problems: list[tuple[int, str, str]] = []
    args: dict[str, str] = {}
    stages = [i for i in items if i.keyword == "FROM"]
    first_from = stages[0].line if stages else len(text.splitlines()) + 1
    for item in items:
        if item.keyword == "ARG" and "=" in item.args and item.line < first_from:
            name, _, value = item.args.partition("=")
            args[name.strip()] = value.strip()
    if len(stages) < 2:
        problems.append((1, "VL001", "not multi-stage: build in one stage, copy into another"))
    for stage in stages:
        image = stage.args.split()[0]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
        if image.startswith("$"):
            problems.append((stage.line, "VL002", f"base image {image} has no default"))
            continue
        last = image.rsplit("/", 1)[-1]
        known_stage = any(s.args.split()[-1] == image for s in stages if " AS " in
                          s.args.upper())
        if not known_stage and ("@sha256:" not in image) and (
                ":" not in last or last.endswith(":latest")):
            problems.append((stage.line, "VL002", f"base image {image} is not pinned to a tag"))
    final = [i for i in items if stages and i.line > stages[-1].line]
    users = [i for i in final if i.keyword == "USER"]
    if not users or users[-1].args.split(":")[0] in ("root", "0"):
        problems.append((stages[-1].line if stages else 1, "VL003",
                         "the final stage does not switch to a non-root USER"))
    health = [i for i in final if i.keyword == "HEALTHCHECK"]
    if not health or "/health" not in health[-1].args:
        problems.append((stages[-1].line if stages else 1, "VL004",
                         "no HEALTHCHECK probing /health in the final stage"))
    entry = [i for i in final if i.keyword == "ENTRYPOINT"]
    try:
        entry_words = json.loads(entry[-1].args) if entry else []
    except json.JSONDecodeError:
        entry_words = []
    if not entry_words or Path(str(entry_words[0])).name != "vigil":
        problems.append((entry[-1].line if entry else 1, "VL005",
                         'ENTRYPOINT must be ["vigil"] in exec (JSON) form'))
    if not any(i.keyword == "COPY" and "requirements.lock" in i.args for i in items) or not any(
            i.keyword == "RUN" and "-r requirements.lock" in i.args for i in items):
        problems.append((1, "VL006", "dependencies are not installed from requirements.lock"))
    for item in items:
        if item.keyword == "RUN":
            if re.search(r"apt-get install(?![^;&|]*--no-install-recommends)", item.args):
                problems.append((item.line, "VL007", "apt-get install without "
                                 "--no-install-recommends"))
            if "apt-get update" in item.args and "rm -rf /var/lib/apt/lists" not in item.args:
                problems.append((item.line, "VL008", "apt lists not removed in the same RUN"))
            if re.search(r"(^|\s)sudo\s", item.args):
                problems.append((item.line, "VL009", "sudo in a RUN"))
            if re.search(r"pip3? install(?!.*(-r requirements\.lock|--no-deps))", item.args):
                problems.append((item.line, "VL010", "pip install of unpinned packages"))
        if item.keyword == "ADD" and re.search(r"https?://", item.args):
            problems.append((item.line, "VL011", "ADD of a URL: download in a checked RUN"))
    return problems


def main(argv: list[str]) -> int:
    """Lint the given Dockerfile (default ./Dockerfile)."""
    path = Path(argv[1] if len(argv) > 1 else "Dockerfile")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"dockerfile-lint: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    problems = lint(text)
    for line, rule, message in problems:
        print(f"{path}:{line}: {rule} {message}")
    print(f"dockerfile-lint: {path}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
