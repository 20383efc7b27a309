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
    BENCH_NAMES,
    DEFAULT_DETECTOR,
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


def _cv_table(res: BenchResult) -> Table:
    assert res.cv is not None
    profiles = list(res.cv)
    table = Table(title="Leave-one-category-out: each category scored at settings chosen "
                        "on the others")
    table.add_column("category")
    for p in profiles:
        table.add_column(p, justify="right")
    table.add_column("windows", justify="right")
    table.add_column("chosen (standard)")
    std = res.cv[profiles[0]]
    for i, fold in enumerate(std.folds):
        cells = []
        for p in profiles:
            f = res.cv[p].folds[i]
            cells.append("–" if f.normalised is None else f"{f.normalised:.2f}")
        thr = "never" if fold.threshold == float("inf") else f"{fold.threshold:.4f}"
        table.add_row(fold.category, *cells, str(fold.windows),
                      f"{fold.candidate} @ {thr} (FP {fold.fp})")
    table.add_row("[bold]mean[/]", *(f"{res.cv[p].mean:.2f}" for p in profiles), "", "")
    table.add_row("[bold]pooled[/]", *(f"{res.cv[p].pooled:.2f}" for p in profiles), "", "")
    table.add_row("[bold]plain[/] (in-sample threshold)",
                  *(f"{res.results[p].normalised:.2f}" for p in profiles), "", "")
    return table


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
                                 help="One of: " + ", ".join(BENCH_NAMES)),
    results_dir: Path = typer.Option(Path("results"), "--results-dir",
                                     help="Where NAB-format result CSVs are written"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
    cv: str | None = typer.Option(
        None, "--cv", help="'category': also score leave-one-category-out (every searched "
                           "setting chosen on the other categories)"),
    cv_grid: str = typer.Option(
        "", "--cv-grid", help="Comma-separated detectors the cross-validation may choose "
                              "among per fold (besides --detector)"),
) -> None:
    """Run a detector causally over every labelled NAB file, write results, print scores."""
    from vigil.evaluation.bench import run_nab
    from vigil.evaluation.corpus import CorpusError, NabFile
    from vigil.evaluation.variants import candidate_names
    from vigil.telemetry.logging import log_event

    known = candidate_names()
    if detector not in known:
        fail_usage(f"--detector: unknown detector {detector!r}; known: {', '.join(known)}")
    if not nab_root.is_dir():
        fail_usage(f"--nab-root: {nab_root} is not a directory")
    if cv not in (None, "category"):
        fail_usage(f"--cv: only 'category' is supported, not {cv!r}")
    grid = [g.strip() for g in cv_grid.split(",") if g.strip()]
    for g in grid:
        if g not in known:
            fail_usage(f"--cv-grid: unknown detector {g!r}; known: {', '.join(known)}")
    if grid and cv is None:
        fail_usage("--cv-grid needs --cv category")
    try:
        if show_progress():
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[f]}"),
                          console=err_console, transient=True) as progress:
                task = progress.add_task(detector, total=_count_listed(nab_root), f="")

                def advance(f: NabFile) -> None:
                    progress.update(task, advance=1, f=f.name)

                res = run_nab(nab_root, detector, results_dir, advance, cv is not None, grid)
        else:
            res = run_nab(nab_root, detector, results_dir, cv=cv is not None, grid=grid)
    except CorpusError as exc:
        fail_usage(str(exc))
    summary = res.summary()
    extra = {}
    if res.cv is not None:
        extra = {"cv_standard_mean": summary["cv"]["standard"]["mean"],
                 "cv_standard_pooled": summary["cv"]["standard"]["pooled"]}
    log_event("Benchmark completed", benchmark="nab",
              **{k: v for k, v in summary.items() if k != "cv"}, **extra)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(summary))
    else:
        Console().print(_table(res))
        if res.cv is not None:
            Console().print(_cv_table(res))


@app.command("synth")
def synth(
    out: Path = typer.Option(Path("synth-corpus"), "--out",
                             help="Folder the corpus is written to (NAB layout)"),
    seed: int = typer.Option(0, "--seed", help="Generator seed (same seed, same corpus)"),
    traces: Path | None = typer.Option(None, "--traces",
                                       help="Folder with the request-rate traces "
                                            "(nasa_http_1995_per_minute.csv, ...)"),
    detectors: str = typer.Option("all", "--detectors",
                                  help="Comma-separated detectors or ablations, or 'all' "
                                       "registered detectors"),
    results_dir: Path = typer.Option(Path("results-synth"), "--results-dir"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Write the seeded synthetic ops corpus and score detectors on it with NAB's rules."""
    from vigil.detection.registry import DETECTORS
    from vigil.evaluation.bench import run_nab
    from vigil.evaluation.synth import write_corpus
    from vigil.evaluation.variants import candidate_names
    from vigil.telemetry.logging import log_event

    known = candidate_names()
    names = list(DETECTORS) if detectors == "all" else [
        d.strip() for d in detectors.split(",") if d.strip()]
    for d in names:
        if d not in known:
            fail_usage(f"--detectors: unknown detector {d!r}; known: {', '.join(known)}")
    if traces is not None and not traces.is_dir():
        fail_usage(f"--traces: {traces} is not a directory")
    try:
        write_corpus(out, seed, traces)
    except OSError as exc:
        fail_usage(f"--out: cannot write the corpus: {exc}")
    table = Table(title=f"Synthetic ops corpus (seed {seed}, {out})")
    for col in ("detector", "standard", "low FP", "low FN", "CV mean (std)", "CV pooled (std)"):
        table.add_column(col, justify="left" if col == "detector" else "right")
    for name in names:
        res = run_nab(out, name, results_dir, cv=True)
        summary = res.summary()
        cv = summary.pop("cv")["standard"]
        line = {**summary, "corpus": "synth", "seed": seed, "cv_standard_mean": cv["mean"],
                "cv_standard_pooled": cv["pooled"]}
        log_event("Benchmark completed", benchmark="synth", **line)
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps(line))
        else:
            table.add_row(name, f"{summary['standard']:.2f}",
                          f"{summary['reward_low_FP_rate']:.2f}",
                          f"{summary['reward_low_FN_rate']:.2f}", f"{cv['mean']:.2f}",
                          f"{cv['pooled']:.2f}")
    if fmt is OutputFormat.TABLE:
        Console().print(table)
