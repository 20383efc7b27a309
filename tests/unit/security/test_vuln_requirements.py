"""requirements.txt edge cases: include spellings, constraints, URLs, hashes on one line."""

from __future__ import annotations

import pytest

from vigil.security.extractors import requirements
from vigil.security.model import ExtractError

FILES = {
    "dir/base.txt": "six==1.16.0\n",
    "dir/constraints.txt": "urllib3==1.0\n",
}


def _read(including: str, ref: str) -> tuple[str, str]:
    import posixpath

    name = posixpath.normpath(posixpath.join(posixpath.dirname(including), ref))
    if name not in FILES:
        raise FileNotFoundError(name)
    return name, FILES[name]


@pytest.mark.parametrize("include", ["-r base.txt", "-rbase.txt", "--requirement base.txt",
                                     "--requirement=base.txt"])
def test_include_spellings(include: str) -> None:
    result = requirements.extract(f"{include}\n", "dir/requirements.txt", _read)
    assert [(p.name, p.version, p.location.file) for p in result.packages] == [
        ("six", "1.16.0", "dir/base.txt")]


def test_constraints_are_not_an_inventory() -> None:
    result = requirements.extract("-c constraints.txt\nflask==2.0.0\n", "dir/requirements.txt",
                                  _read)
    assert [p.name for p in result.packages] == ["flask"]


def test_pip_freeze_url_and_inline_hash() -> None:
    text = ("mypkg @ file:///home/me/mypkg\n"
            "attrs==23.1.0 --hash=sha256:abc --hash sha256:def\n"
            "idna==3.4;python_version>'3'\n")
    result = requirements.extract(text, "requirements.txt")
    assert [(p.name, p.version) for p in result.packages] == [("attrs", "23.1.0"),
                                                               ("idna", "3.4")]
    assert [(u.name, u.reason) for u in result.unchecked] == [("mypkg", "URL requirement")]


def test_include_needs_a_reader() -> None:
    with pytest.raises(ExtractError, match="cannot follow include"):
        requirements.extract("-r base.txt\n", "requirements.txt")


def test_trailing_continuation_and_comments() -> None:
    result = requirements.extract("# only a comment\n\ncertifi==2023.7.22 \\\n", "r.txt")
    assert [(p.name, p.version, p.location.line) for p in result.packages] == [
        ("certifi", "2023.7.22", 3)]
