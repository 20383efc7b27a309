"""Every `vigil …` command in docs/RUNBOOK.md exists; every script it names is shipped;
every kubectl line is marked as needing a cluster."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RUNBOOK = (ROOT / "docs" / "RUNBOOK.md").read_text()
WORD = re.compile(r"[a-z][a-z0-9-]*")


def code_fragments(text: str) -> list[str]:
    """Lines of fenced blocks and inline code spans (code spans may wrap lines)."""
    fragments: list[str] = []
    fenced = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    for block in fenced:
        fragments.extend(block.splitlines())
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    fragments.extend(span.replace("\n", " ") for span in re.findall(r"`([^`]+)`", prose))
    return fragments


def vigil_commands(text: str) -> set[tuple[str, ...]]:
    """Command paths after each `vigil` (the words up to the first argument or option)."""
    commands: set[tuple[str, ...]] = set()
    for fragment in code_fragments(text):
        for match in re.finditer(r"(?:^|[\s;|&(])vigil\s+(.*)", fragment):
            words: list[str] = []
            for token in match.group(1).split():
                if not WORD.fullmatch(token) or len(words) == 3:
                    break
                words.append(token)
            if words:
                commands.add(tuple(words))
    return commands


def test_the_runbook_names_the_commands_operators_need() -> None:
    found = vigil_commands(RUNBOOK)
    for expected in [("db", "backup"), ("db", "restore"), ("db", "maintain"), ("db", "check"),
                     ("logs", "clean"), ("oncall", "now"), ("deploy", "watch")]:
        assert expected in found, expected


def test_every_vigil_command_in_the_runbook_exists() -> None:
    from typer.testing import CliRunner

    from vigil.cli.main import app

    failures = {}
    for words in sorted(vigil_commands(RUNBOOK)):
        result = CliRunner().invoke(app, [*words, "--help"])
        if result.exit_code != 0 or "Usage:" not in result.output:
            failures[" ".join(words)] = result.output.strip().splitlines()[-1:]
    assert failures == {}


def test_every_script_the_runbook_names_is_shipped_and_executable() -> None:
    names = set(re.findall(r"scripts/[\w.-]+\.sh", RUNBOOK))
    assert "scripts/deploy-blue-green.sh" in names
    for name in names:
        path = ROOT / name
        assert path.is_file() and path.stat().st_mode & 0o111, name


def test_kubectl_lines_are_marked_as_needing_a_cluster() -> None:
    for block in re.findall(r"```[a-z]*\n(.*?)```", RUNBOOK, flags=re.S):
        if "kubectl " in block:
            assert block.splitlines()[0].startswith("# [cluster]"), block
    prose = re.sub(r"```[a-z]*\n.*?```", "", RUNBOOK, flags=re.S)
    for paragraph in prose.split("\n\n"):
        if re.search(r"`kubectl ", paragraph):
            assert "(cluster)" in paragraph, paragraph
