"""requirements.txt edge cases: include spellings, constraints, URLs, hashes on one line."""

from __future__ import annotations

import pytest

from vigil.security.extractors import requirements
from vigil.security.model import ExtractError

FILES = {
    "dir/base.txt": "six==1.16.0\n",
    "dir/constraints.txt": "urllib3==1.0\n",
    "dir/pins.txt": "# pins\n-c more-pins.txt\nurllib3==1.24.1\nidna>=2\n",
    "dir/more-pins.txt": "Jinja2==2.10\n",
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


def test_constraint_pins_check_unpinned_requirements() -> None:
    # pip installs exactly the constrained version: check it there, located at the pin.
    text = "-c pins.txt\nurllib3\njinja2>=2\nidna\nflask<1\nsix==1.16.0\n"
    result = requirements.extract(text, "dir/requirements.txt", _read)
    assert sorted((p.name, p.version, p.location.file, p.location.line)
                  for p in result.packages) == [
        ("jinja2", "2.10", "dir/more-pins.txt", 1), ("six", "1.16.0", "dir/requirements.txt", 6),
        ("urllib3", "1.24.1", "dir/pins.txt", 3)]
    assert [u.spec for u in result.unchecked] == ["idna", "flask<1"]


def test_missing_constraints_file_is_an_error() -> None:
    with pytest.raises(ExtractError, match="cannot read included"):
        requirements.extract("-c nope.txt\nflask\n", "dir/requirements.txt", _read)


@pytest.mark.parametrize(("line", "version"), [("django==2.2.0,<3", "2.2.0"),
                                               ("django>=2,==2.2.0", "2.2.0"),
                                               ("django==2.2.0,!=2.2.0", None),
                                               ("django==2.*,<3", None)])
def test_exact_pin_among_several_specifiers(line: str, version: str | None) -> None:
    result = requirements.extract(line + "\n", "requirements.txt")
    assert [p.version for p in result.packages] == ([version] if version else [])
    assert len(result.unchecked) == (0 if version else 1)


@pytest.mark.parametrize(("line", "reason"), [
    ("--frobnicate fast", "unrecognised option --frobnicate"),
    ("-Z", "unrecognised option -Z"),
    ("mypkg-1.0-py3-none-any.whl", "URL or local path"),
    ("~/src/pkg.tar.gz", "URL or local path"),
    ("vendor/pkg", "URL or local path"),
])
def test_odd_lines_are_not_checked_never_dropped(line: str, reason: str) -> None:
    result = requirements.extract(f"{line}\n--index-url https://pypi.org/simple\n--pre\n",
                                  "requirements.txt")
    assert [(u.spec, u.reason) for u in result.unchecked] == [(line, reason)]


def test_comment_line_ending_in_backslash_does_not_swallow_the_next_line() -> None:
    # pip: a comment line is never a continuation; flask must not vanish.
    text = ("# pinned below \\\nflask==1.0\n"
            "django==2.2.0 \\\n  # why \\\nsix==1.16.0\n")
    result = requirements.extract(text, "requirements.txt")
    assert [(p.name, p.version, p.location.line) for p in result.packages] == [
        ("flask", "1.0", 2), ("django", "2.2.0", 3), ("six", "1.16.0", 5)]
