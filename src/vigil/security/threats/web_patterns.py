"""Signatures of web attacks: injection payloads, scanner markers and probe paths.

Matching runs on the lower-cased, URL-decoded request target. Each family has a
cheap substring prefilter so ordinary requests cost a few substring checks.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

try:  # one C-level pass for every needle; the pure-Python loops below are the fallback
    import ahocorasick
except ImportError:  # pragma: no cover - pyahocorasick is a declared dependency
    ahocorasick = None

# Per family: (needle, pattern) pairs; a pattern runs only when its literal needle is in
# the lower-cased text, which keeps ordinary requests to a few substring checks.
# Commands that are also ordinary words ("dog & cat food", "sleep", "id") count only when
# something shell-like follows: the end, another operator, or an option, path or number.
_PLAIN_COMMANDS = r"(?:whoami|uname|wget|curl|nslookup|bash|ifconfig|netstat)\b"
_WORD_COMMANDS = r"(?:cat|ls|id|nc|sh|ping|sleep|echo)\b"
_SHELL_ARGUMENT = r"(?:\s*$|\s*[;|&`#)'\"<>]|\s+[-/$'\"\d.~*])"
_COMMAND = rf"(?:{_PLAIN_COMMANDS}(?![=\w])|{_WORD_COMMANDS}(?![=\w]){_SHELL_ARGUMENT})"
# What follows `union select` / `select` in a payload (not in prose like "union select
# committee" or "select rows from a table"): a column list, a literal, a function call.
_SQL_COLUMNS = r"[\s(/*+]*(?:\d|null\b|\*|@@|0x|['\"`]|\w+\s*\(|[\w.]+\s*,)"
# Patterns start with a literal so the regex engine can jump to candidate positions.
_SIGNATURES: dict[str, list[tuple[str, str]]] = {
    "sql_injection": [
        ("union", r"union\b(?:[\s(/*+]|#[^\n]*\n)+(?:(?:all|distinct)[\s(/*+]+)?select\b(?:"
                  + _SQL_COLUMNS + r"|.{1,80}?\bfrom\b)"),
        ("select", r"(?:['\"`);(]|/\*|--)\s*select\b.{1,80}?\bfrom\b"),
        ("select", r"select\b" + _SQL_COLUMNS + r".{0,80}?\bfrom\b"),
        ("and", r"\band\s+['\"(]?\s*\d+\s*['\")]?\s*=\s*['\"(]?\s*\d+"),
        ("or", r"\bor\s+['\"(]?\s*\d+\s*['\")]?\s*=\s*['\"(]?\s*\d+"),
        ("'", r"'\s*(?:(?:or|and)\s+'|--|;)"),
        ("sleep", r"sleep\s*\(\s*\d"),
        ("benchmark", r"benchmark\s*\("),
        ("waitfor", r"waitfor\s+delay\b"),
        ("information_schema", r"information_schema"),
        ("extractvalue", r"extractvalue\s*\("),
        ("updatexml", r"updatexml\s*\("),
        ("drop", r";\s*drop\s+table"),
        ("@@version", r"@@version"),
        ("load_file", r"load_file\s*\("),
        ("char", r"char\s*\(\s*\d+\s*(?:,\s*\d+\s*)+\)"),
    ],
    "xss": [
        ("script", r"<\s*/?\s*script\b"),
        ("javascript", r"javascript\s*:"),
        ("on", r"on(?:error|load|mouseover|focus|click|mouseenter)\s*="),
        ("<", r"<\s*(?:iframe\b|(?:img|svg|body|input|details|video|audio)\b[^>]*\bon\w+\s*=)"),
        ("alert", r"alert\s*\("),
        ("prompt", r"prompt\s*\("),
        ("confirm", r"confirm\s*\("),
        ("document.", r"document\.(?:cookie|domain)"),
        ("fromcharcode", r"string\.fromcharcode"),
    ],
    "path_traversal": [
        ("..", r"\.\.(?:[/\\]\.\.[/\\]|%2f|[/\\].*?(?:etc[/\\]passwd|win\.ini|boot\.ini"
               r"|etc[/\\]shadow))"),
        ("/etc/passwd", r"/etc/passwd\b"),
        ("c:", r"c:[/\\]windows\b"),
        ("file:", r"file:/{2,3}"),
    ],
    "command_injection": [
        (";", r";\s*" + _COMMAND),
        ("|", r"\|\s*" + _COMMAND),
        ("\n", r"\n\s*" + _COMMAND),
        ("`", r"`\s*\w[^`]{0,80}`"),
        ("&", r"&\s*" + _COMMAND),
        ("$(", r"\$\(\s*\w+"),
        ("${ifs}", r"\$\{ifs\}"),
        ("/bin/", r"/bin/(?:ba)?sh\b"),
        ("cmd", r"cmd(?:\.exe)?\s*/c\b"),
        ("phpinfo", r"phpinfo\s*\("),
        ("md5", r"print\s*\(\s*md5\s*\("),
        ("system", r"system\s*\("),
        ("passthru", r"passthru\s*\("),
        ("shell_exec", r"shell_exec\s*\("),
    ],
}
INJECTIONS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    family: tuple((needle, re.compile(pattern)) for needle, pattern in pairs)
    for family, pairs in _SIGNATURES.items()
}

# Scanner fingerprints (lower-case substrings) in user agents, paths, methods or payloads.
SCANNERS: dict[str, tuple[str, ...]] = {
    "acunetix": ("acunetix", "wvs_test", "acusensor", "acumonitor"),
    "netsparker": ("netsparker",),
    "w3af": ("w3af",),
    "nikto": ("nikto",),
    "sqlmap": ("sqlmap",),
    "nmap": ("nmap scripting engine", "nmaplowercheck", "nmap"),
    "masscan": ("masscan",),
    "zgrab": ("zgrab",),
    "nuclei": ("nuclei",),
    "wpscan": ("wpscan",),
    "dirbuster": ("dirbuster", "gobuster", "feroxbuster", "ffuf"),
    "openvas": ("openvas", "greenbone"),
    "nessus": ("nessus_is_probing", "nessus"),
    "burp": ("burpsuite", "burpcollaborator"),
    "zap": ("owasp zap", "zaproxy", "owasp_zap"),
    "arachni": ("arachni",),
    "skipfish": ("skipfish",),
    "wfuzz": ("wfuzz",),
}
_SCANNER_NEEDLES = tuple((needle, name) for name, needles in SCANNERS.items()
                         for needle in needles)
# Markers scanners put in the request itself. Bare tool names ("nmap", "nessus") are left
# to user agents: in a path or query they are as likely a search for the tool.
PAYLOAD_MARKERS = frozenset({"acunetix", "wvs_test", "acusensor", "acumonitor", "netsparker",
                             "w3af", "burpcollaborator", "nmaplowercheck", "nessus_is_probing"})

PROBE_PATHS = re.compile(
    r"/(?:\.git/|\.svn/|\.hg/|\.env\b|\.htaccess|\.htpasswd|\.ds_store|wp-admin|wp-login\.php"
    r"|wp-config|phpmyadmin|pma/|myadmin|server-status|server-info|cgi-bin/|etc/passwd"
    r"|web\.config|admin\.php|xmlrpc\.php|actuator|\.aws/|config\.php|shell\.php|phpinfo\.php"
    r"|vendor/phpunit|boaform|hnap1|manager/html|solr/|jmx-console|owa/|autodiscover)"
    r"|\.(?:bak|old|orig|swp|sql|tar\.gz|zip)$")
# Probe paths no visitor of a legitimate site asks for; the others (`/wp-admin`, backups,
# `/server-status`, `/actuator`) are everyday paths where they exist, and count as probes
# only when the server answers with an error.
SECRET_PROBES = re.compile(
    r"/(?:\.git/|\.svn/|\.hg/|\.env\b|\.htaccess|\.htpasswd|\.ds_store|wp-config|etc/passwd"
    r"|\.aws/|shell\.php|vendor/phpunit|boaform|hnap1)")


# Evasions a plain URL-decode misses: IIS `%uXXXX` escapes and overlong UTF-8 forms of
# `.`, `/` and `\` (decoded strictly they become U+FFFD and hide `../`).
_PCT_U = re.compile(r"%u([0-9a-f]{4})")
_OVERLONG = (("%c0%ae", "."), ("%e0%80%ae", "."), ("%c0%af", "/"), ("%e0%80%af", "/"),
             ("%c1%9c", "\\"), ("%c1%1c", "\\"))


def _unquote(text: str) -> str:
    """One URL-decoding pass over lower-case text, `%u` and overlong forms included."""
    if "%u" in text:
        text = _PCT_U.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "%c" in text or "%e0" in text:
        for encoded, plain in _OVERLONG:
            text = text.replace(encoded, plain)
    return unquote_plus(text)


def decode(target: str) -> str:
    """URL-decode a request target twice (double encoding is a common evasion), lower-case."""
    if "%" not in target and "+" not in target:
        return target.lower()
    once = _unquote(target.lower())
    return (_unquote(once) if "%" in once else once).lower()


def injection_types(target: str) -> list[str]:
    """The injection families whose signatures appear in a (raw) request target."""
    return injections_in(decode(target))


def injections_in(text: str) -> list[str]:
    """The injection families in an already decoded, lower-cased request target."""
    found = []
    for name, signatures in INJECTIONS.items():
        for needle, pattern in signatures:
            if needle in text and pattern.search(text) is not None:
                found.append(name)
                break
    return found


def scanner_of(text: str) -> str | None:
    """The name of the scanner whose fingerprint appears in `text`, if any."""
    return scanner_in(text.lower())


def scanner_in(lower: str, markers_only: bool = False) -> str | None:
    """Like `scanner_of` for text that is already lower-case (`markers_only`: payloads)."""
    for needle, name in _SCANNER_NEEDLES:
        if needle in lower and (not markers_only or needle in PAYLOAD_MARKERS):
            return name
    return None


def probe_in(lower_path: str, status: int = 404) -> bool:
    """True for a (lower-case) path scanners request to find exposed files and admin
    consoles; everyday paths count only when `status` is an error."""
    if PROBE_PATHS.search(lower_path) is None:
        return False
    return status >= 400 or SECRET_PROBES.search(lower_path) is not None


def _automaton() -> Any:
    """An Aho-Corasick automaton mapping every needle to its scanner and signatures."""
    if ahocorasick is None:
        return None
    table: dict[str, tuple[list[str], list[tuple[str, re.Pattern[str]]]]] = {}
    for needle, name in _SCANNER_NEEDLES:
        table.setdefault(needle, ([], []))[0].append(name)
    for family, signatures in INJECTIONS.items():
        for needle, pattern in signatures:
            table.setdefault(needle, ([], []))[1].append((family, pattern))
    automaton = ahocorasick.Automaton()
    for needle, value in table.items():
        automaton.add_word(needle, (needle, value))
    automaton.make_automaton()
    return automaton


_AUTOMATON = _automaton()
_ORDER = {family: i for i, family in enumerate(INJECTIONS)}
_SCANNER_ORDER = {needle: i for i, (needle, _) in enumerate(_SCANNER_NEEDLES)}


def analyse(text: str) -> tuple[str | None, list[str]]:
    """Scanner fingerprint and injection families of a decoded, lower-cased request target."""
    if _AUTOMATON is None:
        return scanner_in(text, markers_only=True), injections_in(text)
    seen: set[str] = set()
    scanner: str | None = None
    scanner_rank = len(_SCANNER_ORDER)
    families: set[str] = set()
    for _, (needle, (names, signatures)) in _AUTOMATON.iter(text):
        if needle in seen:
            continue
        seen.add(needle)
        if names and needle in PAYLOAD_MARKERS and _SCANNER_ORDER[needle] < scanner_rank:
            scanner, scanner_rank = names[0], _SCANNER_ORDER[needle]
        for family, pattern in signatures:
            if family not in families and pattern.search(text) is not None:
                families.add(family)
    return scanner, sorted(families, key=_ORDER.__getitem__)
