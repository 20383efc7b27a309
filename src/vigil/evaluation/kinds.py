"""Which kinds of labelled anomaly a detector finds (synthetic corpus, whose labels say).

`vigil bench synth` writes the kind of every labelled anomaly next to the NAB
windows (labels/synth_kinds.json: per file, one kind per window in window order).
A window counts as found when any of its rows scores at or above the threshold:
NAB's own test for a true positive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from vigil.evaluation.nab import FileRows
from vigil.evaluation.synth import KINDS_FILE

Found = dict[str, tuple[int, int]]  # kind -> (windows found, windows)


def load_kinds(root: Path) -> dict[str, list[str]]:
    """The kinds of a corpus' labelled anomalies by file; empty when it has none recorded."""
    path = root / "labels" / KINDS_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object of file -> list of kinds")
    return {str(k): [str(x) for x in v] for k, v in data.items() if isinstance(v, list)}


def found_by_kind(per_file: Mapping[str, FileRows], kinds: Mapping[str, Sequence[str]],
                  threshold: float) -> Found:
    """Per kind of anomaly, how many of its scored windows detect at `threshold`.

    Windows wholly inside NAB's probationary period are not scored; they are the
    earliest, so a file's scored windows are the last `n_windows` of its kinds.
    Files without recorded kinds, or with fewer kinds than windows, are skipped.
    """
    found: dict[str, list[int]] = {}
    for name, f in per_file.items():
        file_kinds = kinds.get(name)
        if file_kinds is None or len(file_kinds) < f.n_windows or f.n_windows == 0:
            continue
        detects = f.scores >= threshold
        for k, kind in enumerate(file_kinds[len(file_kinds) - f.n_windows:]):
            cell = found.setdefault(kind, [0, 0])
            cell[0] += int(np.any(detects[f.window_id == k]))
            cell[1] += 1
    return {kind: (a, b) for kind, (a, b) in sorted(found.items())}


def add_found(parts: Iterable[Found]) -> Found:
    """Sum found / total per kind over several runs (seeds)."""
    total: dict[str, list[int]] = {}
    for part in parts:
        for kind, (a, b) in part.items():
            cell = total.setdefault(kind, [0, 0])
            cell[0] += a
            cell[1] += b
    return {kind: (a, b) for kind, (a, b) in sorted(total.items())}
