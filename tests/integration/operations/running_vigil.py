"""A real `vigil serve` (SQLite, own data dir) for the operations tests: type and fixture."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.serving import serve_process


@dataclass
class RunningVigil:
    """A started `vigil serve`: base URL and its first admin key."""

    url: str
    key: str
    data_dir: Path


@pytest.fixture(scope="module")
def vigil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningVigil]:
    """Start `vigil serve` on a free port and stop it after the module's tests."""
    root = tmp_path_factory.mktemp("vigil-serve")
    # the scheduler runs, as in production (serve_process turns it off by default)
    with serve_process(root, VIGIL_SCHEDULER_ENABLED="true") as served:
        yield RunningVigil(served.url, served.key, root / "data")
