"""Reading and writing NAB-layout corpora: data/<category>/<file>.csv and label windows."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigil.evaluation.nab import window_rows


class CorpusError(ValueError):
    """A corpus file is missing or malformed; the message names the file and row."""


@dataclass(slots=True)
class NabFile:
    """One series of a NAB corpus with its label windows as row ranges."""

    name: str  # "<category>/<file>.csv"
    timestamps: npt.NDArray[np.datetime64]
    values: npt.NDArray[np.float64]
    windows: list[tuple[int, int]]
    raw_timestamps: list[str]

    @property
    def seconds(self) -> npt.NDArray[np.float64]:
        """Timestamps as float seconds since the epoch."""
        return self.timestamps.astype("datetime64[ms]").astype(np.int64) / 1000.0


def _parse_ts(text: str) -> np.datetime64:
    """Parse a NAB timestamp ("2014-04-10 07:15:00[.000000]")."""
    return np.datetime64(text.strip().replace(" ", "T"), "ms")


def read_nab_csv(
    path: Path,
) -> tuple[list[str], npt.NDArray[np.datetime64], npt.NDArray[np.float64]]:
    """Read a NAB data CSV (timestamp,value); raises CorpusError naming the bad row."""
    raw: list[str] = []
    vals: list[float] = []
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or len(header) < 2:
            raise CorpusError(f"{path}: missing header timestamp,value")
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            try:
                raw.append(row[0])
                vals.append(float(row[1]))
            except (IndexError, ValueError) as exc:
                raise CorpusError(f"{path}: row {lineno}: bad value {row!r}") from exc
    try:
        ts = np.array([_parse_ts(t) for t in raw], dtype="datetime64[ms]")
    except ValueError as exc:
        raise CorpusError(f"{path}: bad timestamp: {exc}") from exc
    return raw, ts, np.asarray(vals, dtype=np.float64)


def load_corpus(root: Path) -> list[NabFile]:
    """Load every file listed in labels/combined_windows.json under `root`."""
    labels_path = root / "labels" / "combined_windows.json"
    if not labels_path.is_file():
        raise CorpusError(f"{labels_path}: not found (expected NAB layout)")
    try:
        labels = json.loads(labels_path.read_text())
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{labels_path}: invalid JSON: {exc}") from exc
    files: list[NabFile] = []
    for name in sorted(labels):
        path = root / "data" / name
        if not path.is_file():
            raise CorpusError(f"{path}: listed in {labels_path.name} but not found")
        raw, ts, vals = read_nab_csv(path)
        wins = [(_parse_ts(a), _parse_ts(b)) for a, b in labels[name]]
        files.append(NabFile(name, ts, vals, window_rows(ts, wins), raw))
    return files


def write_results(out_dir: Path, detector: str, f: NabFile,
                  scores: npt.NDArray[np.float64]) -> Path:
    """Write NAB results OUT/<detector>/<category>/<detector>_<file>.csv in data order."""
    category, fname = f.name.split("/", 1)
    target = out_dir / detector / category / f"{detector}_{fname}"
    target.parent.mkdir(parents=True, exist_ok=True)
    label = np.zeros(len(scores), dtype=np.int64)
    for a, b in f.windows:
        label[a:b + 1] = 1
    with target.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "value", "anomaly_score", "label"])
        for t, v, s, lab in zip(f.raw_timestamps, f.values, scores, label, strict=True):
            w.writerow([t, repr(float(v)), repr(float(s)), int(lab)])
    return target
