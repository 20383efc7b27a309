"""httpx clients configured from a source's auth options (bearer, basic, TLS)."""

from __future__ import annotations

import ssl
from datetime import timedelta
from pathlib import Path

import httpx

from vigil import __version__
from vigil.sources.config import HttpAuth


class SourceConfigError(ValueError):
    """An auth option that cannot be used (e.g. an unreadable token file)."""


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SourceConfigError(f"{what} {path}: {exc.strerror or exc}") from exc


def auth_headers(auth: HttpAuth) -> dict[str, str]:
    """Headers for bearer auth and the extra headers (files are read on each call, so a
    rotated token is picked up by the next client)."""
    headers = {"User-Agent": f"vigil/{__version__}", **auth.headers}
    token = auth.bearer_token
    if auth.bearer_token_file is not None:
        token = _read(auth.bearer_token_file, "bearer_token_file")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _verify(auth: HttpAuth) -> ssl.SSLContext | bool:
    if auth.insecure_skip_verify:
        return False
    if auth.ca_file is None and auth.cert_file is None:
        return True
    context = ssl.create_default_context(cafile=str(auth.ca_file) if auth.ca_file else None)
    if auth.cert_file is not None:
        try:
            context.load_cert_chain(str(auth.cert_file),
                                    str(auth.key_file) if auth.key_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise SourceConfigError(f"cert_file {auth.cert_file}: {exc}") from exc
    return context


def make_client(auth: HttpAuth, timeout: timedelta) -> httpx.Client:
    """An httpx client with the auth, TLS and timeout of a source or write-back target."""
    basic: tuple[str, str] | None = None
    if auth.username is not None:
        password = auth.password or ""
        if auth.password_file is not None:
            password = _read(auth.password_file, "password_file")
        basic = (auth.username, password)
    return httpx.Client(headers=auth_headers(auth), auth=basic, verify=_verify(auth),
                        timeout=httpx.Timeout(timeout.total_seconds()), follow_redirects=False)
