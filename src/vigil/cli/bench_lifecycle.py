"""`vigil bench budget` and `vigil bench feedback`: measure alert budgets and feedback replay."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from vigil.cli.common import DEFAULT_DETECTOR, fail_usage


def register(bench: typer.Typer) -> None:
    """Add the lifecycle benchmarks to the `vigil bench` group."""
    bench.command("budget")(budget)
    bench.command("feedback")(feedback)


def _budgets(raw: str) -> list[float]:
    try:
        values = [float(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        fail_usage(f"--budgets: not a comma-separated list of numbers: {raw!r}")
    if not values or any(v <= 0 for v in values):
        fail_usage("--budgets: give positive numbers, e.g. 1,3,10")
    return values


def budget(
    nab_root: Path | None = typer.Option(None, "--nab-root",
                                         help="NAB-layout folder (data/, labels/)"),
    synthetic: int = typer.Option(0, "--synthetic", min=0,
                                  help="Also run this many seeded synthetic series"),
    budgets: str = typer.Option("1,3,10", "--budgets", help="Anomalies per series per week"),
    weeks: float = typer.Option(8.0, "--weeks", min=1.0, help="Length of synthetic series"),
    detector: str = typer.Option(DEFAULT_DETECTOR, "--detector"),
) -> None:
    """Calibrate on the first half of each series, print realised anomalies/week on the rest.

    One JSON object per corpus and budget (an anomaly is a run of firing points).
    """
    from vigil.evaluation.corpus import CorpusError, load_corpus
    from vigil.evaluation.lifecycle import budget_rate, synthetic_series

    wanted = _budgets(budgets)
    corpora: dict[str, list[tuple[object, object]]] = {}
    if nab_root is not None:
        try:
            corpora["nab"] = [(f.seconds, f.values) for f in load_corpus(nab_root)]
        except CorpusError as exc:
            fail_usage(str(exc))
    if synthetic:
        corpora["synthetic"] = [synthetic_series(seed, weeks) for seed in range(synthetic)]
    if not corpora:
        fail_usage("give --nab-root and/or --synthetic N")
    for name, series in corpora.items():
        for b in wanted:
            results = [budget_rate(ts, v, b, detector=detector)  # type: ignore[arg-type]
                       for ts, v in series]
            fired = sum(r.fired for r in results)
            span = sum(r.weeks for r in results)
            ratios = [r.per_week / b for r in results if r.weeks > 0]
            typer.echo(json.dumps({
                "name": f"alert_budget_{name}", "budget_per_week": b,
                "realised_per_week": round(fired / span, 3) if span else None,
                "ratio": round(fired / span / b, 3) if span else None,
                "series": len(results), "weeks_held_out": round(span, 2),
                "series_within_50pct": sum(1 for x in ratios if 0.5 <= x <= 1.5),
                "median_series_ratio": round(float(sorted(ratios)[len(ratios) // 2]), 3)
                if ratios else None,
                "detector": detector}))


def feedback(
    nab_root: Path = typer.Option(..., "--nab-root", help="NAB-layout folder (data/, labels/)"),
    budget_per_week: float = typer.Option(3.0, "--budget", min=0.001),
    max_shift: float = typer.Option(0.25, "--max-shift", min=0.0, max=1.0),
    detector: str = typer.Option(DEFAULT_DETECTOR, "--detector"),
) -> None:
    """Replay feedback from the labels of each file's first half; score the second half.

    Prints one JSON object: NAB standard score, windows hit and missed, and the
    false-positive rate (anomalies, i.e. runs of detecting rows, outside every label
    window / all anomalies; also per row) before and after the feedback.
    """
    from vigil.evaluation.corpus import CorpusError, load_corpus
    from vigil.evaluation.lifecycle import detection_events, feedback_replay, fixed_nab_score

    try:
        files = load_corpus(nab_root)
    except CorpusError as exc:
        fail_usage(str(exc))
    runs = [feedback_replay(f.seconds, f.values, f.windows, budget_per_week, max_shift,
                            detector) for f in files]
    out: dict[str, object] = {"name": "feedback_replay_nab", "files": len(files),
                              "budget_per_week": budget_per_week, "max_shift": max_shift,
                              "detector": detector,
                              "feedback": {"true_positives": sum(r.feedback[0] for r in runs),
                                           "false_positives": sum(r.feedback[1] for r in runs),
                                           "missed_ranges": sum(r.feedback[2] for r in runs)},
                              "thresholds_raised": sum(1 for r in runs
                                                       if r.threshold_after > r.threshold_before),
                              "thresholds_lowered": sum(1 for r in runs
                                                        if r.threshold_after < r.threshold_before)}
    for key, rows in (("before", [r.before for r in runs]), ("after", [r.after for r in runs])):
        score, tp, fp, fn = fixed_nab_score(rows)
        det_tp = sum(int(((x.scores >= 1.0) & (x.window_id >= 0)).sum()) for x in rows)
        detections = det_tp + fp
        events, false_events = detection_events(rows)
        out[key] = {"nab_standard": round(score, 2), "windows_hit": tp,
                    "false_positive_points": fp, "windows_missed": fn,
                    "false_positive_rate_points": round(fp / detections, 4)
                    if detections else None,
                    "anomalies": events, "false_anomalies": false_events,
                    "false_positive_rate": round(false_events / events, 4) if events else None}
    typer.echo(json.dumps(out))
