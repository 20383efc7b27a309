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
    from vigil.evaluation.kinds import Found

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
                             help="Folder the corpus is written to (NAB layout); with "
                                  "--seeds, one sub-folder seed-N per seed"),
    seed: int = typer.Option(0, "--seed", help="Generator seed (same seed, same corpus)"),
    seeds: str | None = typer.Option(
        None, "--seeds", help="Many seeds instead of --seed ('0-11', '0,3,5'): scores per "
                              "seed, then each detector's mean and spread over the seeds and "
                              "its seed-by-seed difference from the first detector"),
    traces: Path | None = typer.Option(None, "--traces",
                                       help="Folder with the request-rate traces "
                                            "(nasa_http_1995_per_minute.csv, ...)"),
    corpus_version: int = typer.Option(
        2, "--corpus-version", help="Generator version: 2 (default); 1 reproduces figures "
                                    "recorded before it (see docs/detection.md)"),
    detectors: str = typer.Option("all", "--detectors",
                                  help="Comma-separated detectors or ablations, or 'all' "
                                       "registered detectors"),
    results_dir: Path = typer.Option(Path("results-synth"), "--results-dir"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Write the seeded synthetic ops corpus and score detectors on it with NAB's rules."""
    from vigil.detection.registry import DETECTORS
    from vigil.evaluation.bench import run_nab
    from vigil.evaluation.kinds import found_by_kind, load_kinds
    from vigil.evaluation.seeds import parse_seeds
    from vigil.evaluation.synth import CORPUS_VERSIONS, write_corpus
    from vigil.evaluation.variants import candidate_names
    from vigil.telemetry.logging import log_event

    known = candidate_names()
    names = list(DETECTORS) if detectors == "all" else [
        d.strip() for d in detectors.split(",") if d.strip()]
    for d in names:
        if d not in known:
            fail_usage(f"--detectors: unknown detector {d!r}; known: {', '.join(known)}")
    if not names:
        fail_usage("--detectors: no detector given")
    if traces is not None and not traces.is_dir():
        fail_usage(f"--traces: {traces} is not a directory")
    if corpus_version not in CORPUS_VERSIONS:
        fail_usage(f"--corpus-version: {corpus_version} is not one of "
                   f"{', '.join(map(str, CORPUS_VERSIONS))}")
    many = seeds is not None
    try:
        seed_list = parse_seeds(seeds) if seeds is not None else [seed]
    except ValueError as exc:
        fail_usage(f"--seeds: {exc}")
    title = (f"Synthetic ops corpus (seeds {seeds}, {out})" if many
             else f"Synthetic ops corpus (seed {seed}, {out})")
    table = Table(title=title)
    cols = ("detector", "seed", "standard", "low FP", "low FN", "CV mean (std)", "CV pooled (std)")
    for col in cols if many else cols[:1] + cols[2:]:
        table.add_column(col, justify="left" if col == "detector" else "right")
    per_detector: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    found: dict[str, list[Found]] = {name: [] for name in names}
    for s in seed_list:
        corpus = out / f"seed-{s}" if many else out
        try:
            write_corpus(corpus, s, traces, version=corpus_version)
        except OSError as exc:
            fail_usage(f"--out: cannot write the corpus: {exc}")
        kinds = load_kinds(corpus)
        for name in names:
            res = run_nab(corpus, name, results_dir / f"seed-{s}" if many else results_dir,
                          cv=True)
            summary = res.summary()
            cv = summary.pop("cv")["standard"]
            by_kind = found_by_kind(res.per_file, kinds, res.results["standard"].threshold)
            line = {**summary, "corpus": "synth", "seed": s, "cv_standard_mean": cv["mean"],
                    "cv_standard_pooled": cv["pooled"],
                    "found_by_kind": {k: list(v) for k, v in by_kind.items()}}
            per_detector[name].append((summary["standard"], cv["mean"]))
            found[name].append(by_kind)
            log_event("Benchmark completed", benchmark="synth", **line)
            if fmt is OutputFormat.JSON:
                typer.echo(json.dumps(line))
            else:
                cells = [f"{summary['standard']:.2f}", f"{summary['reward_low_FP_rate']:.2f}",
                         f"{summary['reward_low_FN_rate']:.2f}", f"{cv['mean']:.2f}",
                         f"{cv['pooled']:.2f}"]
                table.add_row(name, *([str(s)] if many else []), *cells)
    if fmt is OutputFormat.TABLE:
        Console().print(table)
    if many:
        _seed_summary(per_detector, found, fmt)
    elif fmt is OutputFormat.TABLE:
        Console().print(_kinds_table({name: f[0] for name, f in found.items()}, f"seed {seed}"))


def _kinds_table(found: dict[str, Found], title: str) -> Table:
    """Windows found / windows per kind of labelled anomaly (rows) and detector (columns)."""
    table = Table(title=f"Labelled anomalies found at each detector's standard threshold, "
                        f"by kind ({title.lower()})")
    table.add_column("kind")
    for name in found:
        table.add_column(name, justify="right")
    for kind in sorted({k for f in found.values() for k in f}):
        cells = []
        for f in found.values():
            a, b = f.get(kind, (0, 0))
            cells.append(f"{a} / {b}")
        table.add_row(kind, *cells)
    return table


def _seed_summary(per_detector: dict[str, list[tuple[float, float]]],
                  found: dict[str, list[Found]], fmt: OutputFormat) -> None:
    """Each detector's spread over the seeds and its paired difference from the first."""
    from vigil.evaluation.kinds import add_found
    from vigil.evaluation.seeds import paired, spread

    names = list(per_detector)
    first = [cv for _, cv in per_detector[names[0]]]
    table = Table(title="Over the seeds: mean ± sd (min–max); CV mean paired with "
                        f"{names[0]}, seed by seed")
    for col in ("detector", "standard", "CV mean (std)", f"CV mean − {names[0]}",
                "seeds better"):
        table.add_column(col, justify="left" if col == "detector" else "right")
    for name, scores in per_detector.items():
        std = spread([p for p, _ in scores])
        cvs = [cv for _, cv in scores]
        cvm = spread(cvs)
        line: dict[str, object] = {"corpus": "synth", "detector": name,
                                   "summary": "seeds", "standard": std.as_dict(),
                                   "cv_standard_mean": cvm.as_dict(),
                                   "found_by_kind": {k: list(v) for k, v in
                                                     add_found(found[name]).items()}}
        diff_cell = better_cell = "–"
        if name != names[0]:
            pd = paired(first, cvs)
            line["cv_standard_mean_vs"] = {"detector": names[0], **pd.as_dict()}
            diff_cell = f"{pd.mean:+.2f} ± {pd.stderr:.2f}"
            better_cell = f"{pd.better} of {pd.n}"
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps(line))
        else:
            table.add_row(name, f"{std.mean:.2f} ± {std.sd:.2f} ({std.low:.2f}–{std.high:.2f})",
                          f"{cvm.mean:.2f} ± {cvm.sd:.2f} ({cvm.low:.2f}–{cvm.high:.2f})",
                          diff_cell, better_cell)
    if fmt is OutputFormat.TABLE:
        Console().print(table)
        seeds = len(next(iter(found.values())))
        Console().print(_kinds_table({n: add_found(f) for n, f in found.items()},
                                     f"summed over {seeds} seeds"))
