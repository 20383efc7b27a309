"""`vigil detect FILE.csv`: offline anomaly detection over one CSV series."""

from __future__ import annotations

import csv
import json
import math
import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vigil.cli.common import DEFAULT_DETECTOR, DETECTOR_NAMES, err_console, fail_usage

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vigil.detection.base import BatchResult


class DetectFormat(str, Enum):
    """Output formats of `vigil detect`."""

    CSV = "csv"
    JSON = "json"


def parse_timestamp(text: str) -> float:
    """Seconds since the epoch from ISO 8601 / "YYYY-MM-DD HH:MM:SS" / epoch numbers."""
    s = text.strip()
    if not s:
        raise ValueError("empty timestamp")
    try:
        x = float(s)
    except ValueError:
        pass
    else:
        if not math.isfinite(x):
            raise ValueError("not a finite number")
        return x / 1000.0 if x > 1e11 else x  # epoch milliseconds
    d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d.timestamp()


def read_series(path: Path, ts_col: str, value_col: str
                ) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Read (raw timestamps, seconds, values); empty values are missing (NaN).

    Raises ValueError with a message naming the row and column of the first bad cell.
    """
    import numpy as np

    raw: list[str] = []
    secs: list[float] = []
    vals: list[float] = []
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        for col, opt in ((ts_col, "--timestamp-column"), (value_col, "--value-column")):
            if col not in header:
                raise ValueError(f"{path}: no column {col!r} ({opt}); columns are "
                                 f"{', '.join(header) or 'none'}")
        for row in reader:
            line = reader.line_num
            t = row.get(ts_col)
            v = row.get(value_col)
            if t is None:
                raise ValueError(f"{path}: row {line}, column {ts_col!r}: missing")
            try:
                secs.append(parse_timestamp(t))
            except (ValueError, OverflowError, OSError):
                raise ValueError(f"{path}: row {line}, column {ts_col!r}: "
                                 f"cannot parse {t!r} as a timestamp") from None
            if v is None or not v.strip():
                vals.append(math.nan)
            else:
                try:
                    vals.append(float(v))
                except ValueError:
                    raise ValueError(f"{path}: row {line}, column {value_col!r}: "
                                     f"cannot parse {v!r} as a number") from None
            raw.append(t)
    return raw, np.asarray(secs, dtype=np.float64), np.asarray(vals, dtype=np.float64)


def plot_detection(batch: BatchResult, out: Path, title: str) -> None:
    """Series, expected band and anomalies (warning and worse) as a PNG."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = batch.timestamps.astype("datetime64[s]")
    fig, ax = plt.subplots(figsize=(12, 4.5), dpi=100)
    ax.fill_between(x, batch.lower, batch.upper, color="tab:blue", alpha=0.15,
                    label="expected band", step="mid")
    ax.plot(x, batch.expected, color="tab:blue", lw=0.8, alpha=0.6, label="expected")
    ax.plot(x, batch.values, color="black", lw=0.8, label="value")
    sev = batch.severities()
    for name, colour in (("warning", "orange"), ("critical", "red")):
        idx = [i for i, s in enumerate(sev) if s is not None and s.value == name]
        if idx:
            ax.scatter(x[idx], batch.values[idx], color=colour, s=40, zorder=3,
                       label=f"{name} ({len(idx)})")
    finite = batch.values[np.isfinite(batch.values)]
    if len(finite):
        lo, hi = float(np.min(finite)), float(np.max(finite))
        pad = (hi - lo) * 0.1 or 1.0
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def detect(
    file: Path = typer.Argument(..., help="CSV file with a timestamp and a value column"),
    timestamp_column: str = typer.Option("timestamp", "--timestamp-column"),
    value_column: str = typer.Option("value", "--value-column"),
    detector: str = typer.Option(DEFAULT_DETECTOR, "--detector",
                                 help="One of: " + ", ".join(DETECTOR_NAMES)),
    fmt: DetectFormat = typer.Option(DetectFormat.CSV, "--format"),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG of series, band, anomalies"),
) -> None:
    """Score every point of a CSV series (causally, in file order) and print the results."""
    from vigil.detection.registry import DETECTORS, make_detector
    from vigil.services.detect import records_of

    if detector not in DETECTORS:
        fail_usage(f"--detector: unknown detector {detector!r}; known: {', '.join(DETECTORS)}")
    if not file.is_file():
        fail_usage(f"{file}: no such file")
    try:
        raw_ts, secs, vals = read_series(file, timestamp_column, value_column)
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        fail_usage(str(exc))
    det = make_detector(detector)
    batch = det.update_batch(secs, vals)
    # the service's records, with the input's timestamp text and without the index
    records = records_of(det, batch, raw_ts)
    for r in records:
        del r["index"]
    n_anom = sum(1 for r in records if r["severity"] in ("warning", "critical"))
    if fmt is DetectFormat.JSON:
        typer.echo(json.dumps({"file": str(file), "detector": detector, "points": len(records),
                               "anomalies": n_anom, "results": records}))
    else:
        cols = ["timestamp", "value", "score", "expected", "lower", "upper", "severity",
                "warming_up", "explanation"]
        w = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in records:
            w.writerow({k: ("" if r[k] is None else r[k]) for k in cols})
    if plot is not None:
        plot_detection(batch, plot, f"{file.name}: {n_anom} anomalies ({detector})")
    err_console.print(f"{len(records)} points, {n_anom} anomalies", highlight=False)
