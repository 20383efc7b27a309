"""requirements.txt: pins, `-r` includes, extras, markers, hashes, line continuations.

Only exact pins (``==``/``===`` without wildcards) are checked; every other requirement
(ranges, URLs, local paths, editables) is reported as not checked, never dropped.
"""

from __future__ import annotations

import re
import shlex

from packaging.requirements import InvalidRequirement, Requirement

from vigil.security.extractors.base import Reader
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "requirements"
ECOSYSTEM = "PyPI"
_REQ_FILE = re.compile(r"(^|[-_.])requirements?([-_.].*)?\.(txt|in)$|\.requirements\.txt$")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTIONS_WITH_VALUE = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links",
                       "--trusted-host", "--no-binary", "--only-binary", "--platform",
                       "--python-version", "--implementation", "--abi", "--progress-bar",
                       "--use-feature", "--config-settings", "--global-option", "--hash"}
_MAX_DEPTH = 20


def matches(path: str) -> bool:
    """requirements.txt, requirements-dev.txt, dev-requirements.txt, requirements/*.txt ..."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if _REQ_FILE.search(name):
        return True
    return "/requirements/" in f"/{path.lower()}" and name.endswith(".txt")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations and strip comments; keep each line's first line number."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), start=1):
        if not buf:
            start = no
        line = raw.rstrip()
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = _COMMENT.sub("", " ".join(buf)).strip()
        buf = []
        if joined:
            out.append((start, joined))
    if buf:
        joined = _COMMENT.sub("", " ".join(buf)).strip()
        if joined:
            out.append((start, joined))
    return out


def _strip_options(line: str) -> str:
    """Drop per-requirement options such as ``--hash=sha256:...``."""
    parts = line.split()
    keep: list[str] = []
    skip = False
    for part in parts:
        if skip:
            skip = False
            continue
        if part.startswith("--"):
            if "=" not in part and part in _OPTIONS_WITH_VALUE:
                skip = True
            continue
        keep.append(part)
    return " ".join(keep)


def _exact_pin(req: Requirement) -> str | None:
    """The pinned version when the specifier is exactly one ``==`` or ``===`` without ``*``."""
    specs = list(req.specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator in ("==", "===") and "*" not in spec.version:
        return spec.version
    return None


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Packages pinned in a requirements file and its `-r` includes; others as unchecked."""
    result = Extraction(KIND)
    _extract_into(result, text, source, read, (source,))
    return result


def _extract_into(result: Extraction, text: str, source: str, read: Reader | None,
                  stack: tuple[str, ...]) -> None:
    for line_no, line in _logical_lines(text):
        where = Location(source, line_no)
        if line.startswith("-"):
            _option(result, line, source, line_no, read, stack)
            continue
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", line) or line.startswith((".", "/")):
            result.unchecked.append(Unchecked(line, line, ECOSYSTEM, where, "URL or local path"))
            continue
        req_text = _strip_options(line)
        try:
            req = Requirement(req_text)
        except InvalidRequirement as exc:
            raise ExtractError(source, f"invalid requirement {req_text!r}: {exc}", line_no) from exc
        if req.url:
            result.unchecked.append(
                Unchecked(req.name, req_text, ECOSYSTEM, where, "URL requirement"))
            continue
        version = _exact_pin(req)
        if version is None:
            reason = "not pinned" if not req.specifier else f"not pinned exactly ({req.specifier})"
            result.unchecked.append(Unchecked(req.name, req_text, ECOSYSTEM, where, reason))
            continue
        result.packages.append(Package(req.name, version, ECOSYSTEM, where,
                                       f"pkg:pypi/{req.name.lower()}@{version}"))


def _option(result: Extraction, line: str, source: str, line_no: int, read: Reader | None,
            stack: tuple[str, ...]) -> None:
    try:
        parts = shlex.split(line)
    except ValueError as exc:
        raise ExtractError(source, f"cannot parse option line: {exc}", line_no) from exc
    opt, _, inline = parts[0].partition("=")
    if not opt.startswith("--") and len(opt) > 2 and opt[:2] in ("-r", "-c", "-e"):
        opt, inline = opt[:2], opt[2:] + (f"={inline}" if inline else "")  # -rfile.txt
    value = inline or (parts[1] if len(parts) > 1 else "")
    where = Location(source, line_no)
    if opt in ("-r", "--requirement", "-c", "--constraint"):
        if not value:
            raise ExtractError(source, f"{opt} needs a file name", line_no)
        if opt in ("-c", "--constraint"):
            # Constraints limit versions but install nothing themselves: not an inventory.
            return
        if read is None:
            raise ExtractError(source, f"cannot follow include {value!r} here", line_no)
        try:
            name, text = read(source, value)
        except OSError as exc:
            raise ExtractError(source, f"cannot read included {value!r}: {exc}", line_no) from exc
        if name in stack or len(stack) > _MAX_DEPTH:
            raise ExtractError(source, f"include cycle through {value!r}", line_no)
        _extract_into(result, text, name, read, (*stack, name))
    elif opt in ("-e", "--editable"):
        result.unchecked.append(Unchecked(value, line, ECOSYSTEM, where, "editable install"))
