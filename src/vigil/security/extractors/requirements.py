"""requirements.txt: pins, `-r` includes, extras, markers, hashes, line continuations.

Only exact pins (``==``/``===`` without wildcards) are checked; every other requirement
(ranges, URLs, local paths, editables, unknown options) is reported as not checked, never
dropped. An unpinned requirement whose version a ``-c`` constraints file pins exactly is
checked at that version (pip installs exactly it), located at the constraint's line.
"""

from __future__ import annotations

import re
import shlex

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

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
# Options pip accepts in a requirements file that say nothing about what is installed.
_GLOBAL_OPTIONS = {"-i", "--index-url", "--extra-index-url", "--no-index", "-f", "--find-links",
                   "--no-binary", "--only-binary", "--prefer-binary", "--require-hashes",
                   "--pre", "--trusted-host", "--use-feature"}
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
_MAX_DEPTH = 20


def matches(path: str) -> bool:
    """requirements.txt, requirements-dev.txt, dev-requirements.txt, requirements/*.txt ..."""
    parts = path.replace("\\", "/").lower().split("/")
    name = parts[-1]
    if _REQ_FILE.search(name):
        return True
    # Only the file's own directory counts: every .txt under /home/me/requirements/ is not one.
    return len(parts) > 1 and parts[-2] == "requirements" and name.endswith(".txt")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations and strip comments; keep each line's first line number."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), start=1):
        if not buf:
            start = no
        line = raw.rstrip()
        # Like pip, a comment line never continues, even when it ends in a backslash.
        if line.endswith("\\") and not line.lstrip().startswith("#"):
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
    """The pinned version: an ``==``/``===`` without ``*`` that the other specifiers allow
    (``django==2.2.0,<3`` pins 2.2.0)."""
    for spec in req.specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            others = [s for s in req.specifier if s is not spec]
            if all(s.contains(spec.version, prereleases=True) for s in others):
                return spec.version
    return None


def _looks_like_path(line: str) -> bool:
    """A local archive or directory (``./pkg``, ``~/x.tar.gz``, ``pkg-1.0-py3-none-any.whl``)."""
    first = line.split(";", 1)[0].split()[0] if line.split() else ""
    return first.startswith((".", "/", "~")) or first.lower().endswith(_ARCHIVES)


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Packages pinned in a requirements file and its `-r` includes; others as unchecked."""
    result = Extraction(KIND)
    constraints: dict[str, Package] = {}
    _extract_into(result, text, source, read, (source,), constraints)
    if constraints:
        _apply_constraints(result, constraints)
    return result


def _apply_constraints(result: Extraction, constraints: dict[str, Package]) -> None:
    """Check unpinned requirements at the version a constraints file pins exactly."""
    still: list[Unchecked] = []
    for u in result.unchecked:
        pin = constraints.get(canonicalize_name(u.name))
        if pin is not None and u.reason.startswith("not pinned"):
            try:
                allowed = Requirement(u.spec).specifier.contains(pin.version, prereleases=True)
            except InvalidRequirement:
                allowed = False
            if allowed:
                result.packages.append(Package(u.name, pin.version, ECOSYSTEM, pin.location,
                                               f"pkg:pypi/{u.name.lower()}@{pin.version}"))
                continue
        still.append(u)
    result.unchecked[:] = still


def _extract_into(result: Extraction, text: str, source: str, read: Reader | None,
                  stack: tuple[str, ...], constraints: dict[str, Package]) -> None:
    for line_no, line in _logical_lines(text):
        where = Location(source, line_no)
        if line.startswith("-"):
            _option(result, line, source, line_no, read, stack, constraints)
            continue
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", line) or _looks_like_path(line):
            result.unchecked.append(Unchecked(line, line, ECOSYSTEM, where, "URL or local path"))
            continue
        req_text = _strip_options(line)
        try:
            req = Requirement(req_text)
        except InvalidRequirement as exc:
            if "/" in req_text.split(";", 1)[0].split()[0]:  # a directory such as vendor/pkg
                result.unchecked.append(Unchecked(line, line, ECOSYSTEM, where,
                                                  "URL or local path"))
                continue
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
            stack: tuple[str, ...], constraints: dict[str, Package]) -> None:
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
        is_constraint = opt in ("-c", "--constraint")
        if read is None:
            if is_constraint:
                return  # constraints install nothing; unpinned lines stay "not checked"
            raise ExtractError(source, f"cannot follow include {value!r} here", line_no)
        try:
            name, text = read(source, value)
        except OSError as exc:
            raise ExtractError(source, f"cannot read included {value!r}: {exc}", line_no) from exc
        if name in stack or len(stack) > _MAX_DEPTH:
            raise ExtractError(source, f"include cycle through {value!r}", line_no)
        if is_constraint:
            # Constraints install nothing themselves: only their exact pins are kept.
            pinned = Extraction(KIND)
            _extract_into(pinned, text, name, read, (*stack, name), constraints)
            for pkg in pinned.packages:
                constraints.setdefault(canonicalize_name(pkg.name), pkg)
            return
        _extract_into(result, text, name, read, (*stack, name), constraints)
    elif opt in ("-e", "--editable"):
        result.unchecked.append(Unchecked(value, line, ECOSYSTEM, where, "editable install"))
    elif opt not in _GLOBAL_OPTIONS:
        result.unchecked.append(Unchecked(line, line, ECOSYSTEM, where,
                                          f"unrecognised option {opt}"))
