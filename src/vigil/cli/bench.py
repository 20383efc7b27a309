"""`vigil bench nab`: run a detector over a NAB-layout corpus and print its NAB scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigil.cli.common import (
    DEFAULT_DETECTOR,
    DETECTOR_NAMES,
    OutputFormat,
    err_console,
    fail_usage,
    show_progress,
)

if TYPE_CHECKING:
    from vigil.evaluation.bench import BenchResult

app = typer.Typer(help="Benchmarks: detection quality on public corpora.", no_args_is_help=True)


def _count_listed(root: Path) -> int:
    try:
        return len(json.loads((root / "labels" / "combined_windows.json").read_text()))
    except (OSError, ValueError):
        return 0


def _table(res: BenchResult) -> Table:
    table = Table(title=f"NAB scores of {res.detector} ({res.files} files, {res.points:,} points, "
                        f"{res.seconds:.1f} s)")
    for col in ("profile", "score", "threshold", "TP", "FP", "FN"):
        table.add_column(col, justify="left" if col == "profile" else "right")
    for name, r in res.results.items():
        table.add_row(name, f"{r.normalised:.2f}", f"{r.threshold:.4f}", str(r.tp), str(r.fp),
                      str(r.fn))
    return table


@app.command("nab")
def nab(
    nab_root: Path = typer.Option(..., "--nab-root", help="Folder with data/ and labels/"),
    detector: str = typer.Option(DEFAULT_DETECTOR, "--detector",
                                 help="One of: " + ", ".join(DETECTOR_NAMES)),
    results_dir: Path = typer.Option(Path("results"), "--results-dir",
                                     help="Where NAB-format result CSVs are written"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Run a detector causally over every labelled NAB file, write results, print scores."""
    from vigil.detection.registry import DETECTORS
    from vigil.evaluation.bench import run_nab
    from vigil.evaluation.corpus import CorpusError, NabFile
    from vigil.telemetry.logging import log_event

    if detector not in DETECTORS:
        fail_usage(f"--detector: unknown detector {detector!r}; known: {', '.join(DETECTORS)}")
    if not nab_root.is_dir():
        fail_usage(f"--nab-root: {nab_root} is not a directory")
    try:
        if show_progress():
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[f]}"),
                          console=err_console, transient=True) as progress:
                task = progress.add_task(detector, total=_count_listed(nab_root), f="")

                def advance(f: NabFile) -> None:
                    progress.update(task, advance=1, f=f.name)

                res = run_nab(nab_root, detector, results_dir, advance)
        else:
            res = run_nab(nab_root, detector, results_dir)
    except CorpusError as exc:
        fail_usage(str(exc))
    log_event("Benchmark completed", benchmark="nab", **res.summary())
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(res.summary()))
    else:
        Console().print(_table(res))
