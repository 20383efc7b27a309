"""`vigil bench nab` and `vigil detect` on small corpora and CSVs made here."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from vigil.cli import bench, detect

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(bench.app, name="bench")
    app.command("detect")(detect.detect)
    return app


T0 = datetime(2024, 3, 4, tzinfo=UTC)


def _stamp(i: int) -> str:
    return (T0 + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S")


def _write_series(path: Path, values: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "value"])
        for i, v in enumerate(values):
            w.writerow([_stamp(i), repr(float(v))])


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A two-category NAB layout: one file with a spike in its window, one clean."""
    rng = np.random.default_rng(0)
    root = tmp_path / "nab"
    n = 1200
    spiky = 10 + rng.normal(0, 1, n)
    spiky[900] += 40
    _write_series(root / "data" / "catA" / "spiky.csv", spiky)
    _write_series(root / "data" / "catB" / "clean.csv", 10 + rng.normal(0, 1, n))
    windows = {
        "catA/spiky.csv": [[_stamp(880) + ".000000", _stamp(940) + ".000000"]],
        "catB/clean.csv": [],
    }
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return root


def test_bench_nab_json_and_results_files(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus),
                                 "--results-dir", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(summary) == {"detector", "standard", "reward_low_FP_rate",
                            "reward_low_FN_rate", "files", "points", "seconds"}
    assert summary["detector"] == "vigil"
    assert summary["files"] == 2
    assert summary["points"] == 2400
    assert summary["standard"] > 50  # the spike is found early in its window
    result = out / "vigil" / "catA" / "vigil_spiky.csv"
    with result.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["timestamp", "value", "anomaly_score", "label"]
    assert len(rows) == 1201
    assert rows[1][0] == _stamp(0)  # data order, original timestamps
    labels = [int(r[3]) for r in rows[1:]]
    assert sum(labels) == 61 and labels[880] == 1 and labels[879] == 0
    assert (out / "vigil" / "catB" / "vigil_clean.csv").is_file()


def test_bench_nab_table_and_other_detector(corpus: Path, tmp_path: Path) -> None:
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus), "--detector",
                                 "zscore", "--results-dir", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "reward_low_FP_rate" in res.stdout
    assert (tmp_path / "r" / "zscore" / "catA" / "zscore_spiky.csv").is_file()


def test_bench_nab_usage_errors(tmp_path: Path, corpus: Path) -> None:
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(tmp_path / "missing")])
    assert res.exit_code == 2
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus), "--detector", "x"])
    assert res.exit_code == 2
    assert "unknown detector" in " ".join(res.output.split())
    (corpus / "data" / "catB" / "clean.csv").write_text("timestamp,value\n2024-01-01,abc\n")
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus),
                                 "--results-dir", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert "row 2" in " ".join(res.output.split())


def _series_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    vals = 50 + rng.normal(0, 1, 600)
    vals[500] = 120.0
    p = tmp_path / "cpu.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ts", "cpu"])
        for i, v in enumerate(vals):
            w.writerow([(T0 + timedelta(minutes=5 * i)).isoformat(), f"{v:.3f}"])
    return p


def test_detect_csv_output(tmp_path: Path) -> None:
    p = _series_csv(tmp_path)
    res = runner.invoke(_app(), ["detect", str(p), "--timestamp-column", "ts",
                                 "--value-column", "cpu"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(res.stdout.splitlines()))
    assert len(rows) == 600
    assert rows[500]["severity"] in ("warning", "critical")
    assert "is above the expected" in rows[500]["explanation"]
    assert rows[0]["warming_up"] == "True"
    assert sum(1 for r in rows if r["severity"] in ("warning", "critical")) <= 3


def test_detect_json_and_plot(tmp_path: Path) -> None:
    p = _series_csv(tmp_path)
    png = tmp_path / "out.png"
    res = runner.invoke(_app(), ["detect", str(p), "--timestamp-column", "ts",
                                 "--value-column", "cpu", "--format", "json",
                                 "--plot", str(png)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["points"] == 600
    assert doc["anomalies"] >= 1
    assert doc["results"][500]["severity"] in ("warning", "critical")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("content", "needle"), [
    ("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,oops\n",
     "row 3, column 'value'"),
    ("timestamp,value\n2024-01-01 00:00:00,1\nnot-a-date,2\n", "row 3, column 'timestamp'"),
    ("time,value\n2024-01-01 00:00:00,1\n", "no column 'timestamp'"),
])
def test_detect_bad_rows_exit_2(tmp_path: Path, content: str, needle: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(content)
    res = runner.invoke(_app(), ["detect", str(p)])
    assert res.exit_code == 2
    assert needle in " ".join(res.output.split())


def test_detect_missing_values_are_not_errors(tmp_path: Path) -> None:
    p = tmp_path / "gaps.csv"
    p.write_text("timestamp,value\n1700000000,1\n1700000300,\n1700000600,2\n")
    res = runner.invoke(_app(), ["detect", str(p), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["results"][1]["value"] is None
    assert doc["results"][1]["score"] == 0.0


def test_bench_nab_cross_validated_by_category(corpus: Path, tmp_path: Path) -> None:
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus), "--cv", "category",
                                 "--cv-grid", "zscore", "--results-dir", str(tmp_path / "r"),
                                 "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    std = summary["cv"]["standard"]
    assert set(std["categories"]) == {"catA", "catB"}
    # catB has no windows: no normalised score, so the mean is catA's alone
    assert std["categories"]["catB"]["score"] is None
    assert std["mean"] == std["categories"]["catA"]["score"]
    assert std["categories"]["catA"]["candidate"] in ("vigil", "zscore")
    table = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus), "--cv", "category",
                                   "--results-dir", str(tmp_path / "r")])
    assert table.exit_code == 0, table.output
    assert "pooled" in table.stdout and "catA" in table.stdout
    bad = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus), "--cv", "file"])
    assert bad.exit_code == 2


def _synth_json(tmp_path: Path, *seed_args: str) -> list[dict[str, Any]]:
    """JSON lines of `vigil bench synth` for vigil and zscore, corpus under tmp/synth."""
    res = runner.invoke(_app(), ["bench", "synth", "--out", str(tmp_path / "synth"), *seed_args,
                                 "--detectors", "vigil,zscore", "--format", "json",
                                 "--results-dir", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    return [json.loads(x) for x in res.stdout.strip().splitlines()]


def test_bench_synth_writes_the_corpus_and_scores_each_detector(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    lines = _synth_json(tmp_path, "--seed", "1")
    assert [x["detector"] for x in lines] == ["vigil", "zscore"]
    assert all(x["files"] == 30 and 0 <= x["standard"] <= 100 for x in lines)
    assert "cv_standard_mean" in lines[0]
    found = lines[0]["found_by_kind"]
    assert {"surge", "dip", "stuck value", "news surge"} <= found.keys()
    assert all(0 <= a <= b for a, b in found.values())
    assert (out / "labels" / "combined_windows.json").is_file()
    table = runner.invoke(_app(), ["bench", "synth", "--out", str(out), "--seed", "1",
                                   "--detectors", "zscore", "--results-dir", str(tmp_path / "r")])
    assert table.exit_code == 0, table.output
    assert "by kind" in table.stdout and "news surge" in table.stdout
    bad = runner.invoke(_app(), ["bench", "synth", "--out", str(out), "--detectors", "nope"])
    assert bad.exit_code == 2
    assert json.loads((out / "labels" / "synth.json").read_text())["version"] == 2
    old = runner.invoke(_app(), ["bench", "synth", "--out", str(out), "--seed", "1",
                                 "--corpus-version", "1", "--detectors", "zscore",
                                 "--results-dir", str(tmp_path / "r")])
    assert old.exit_code == 0, old.output
    assert json.loads((out / "labels" / "synth.json").read_text())["version"] == 1
    unknown = runner.invoke(_app(), ["bench", "synth", "--out", str(out),
                                     "--corpus-version", "7", "--detectors", "zscore"])
    assert unknown.exit_code == 2 and "--corpus-version" in unknown.output


def test_bench_synth_over_many_seeds_reports_spread_and_paired_differences(
        tmp_path: Path) -> None:
    out = tmp_path / "synth"
    lines = _synth_json(tmp_path, "--seeds", "1-2")
    per_seed = [x for x in lines if "seed" in x]
    summaries = {x["detector"]: x for x in lines if x.get("summary") == "seeds"}
    assert [(x["seed"], x["detector"]) for x in per_seed] == [
        (1, "vigil"), (1, "zscore"), (2, "vigil"), (2, "zscore")]
    assert (out / "seed-1" / "labels" / "combined_windows.json").is_file()
    assert (out / "seed-2" / "labels" / "combined_windows.json").is_file()
    cv = {d: [x["cv_standard_mean"] for x in per_seed if x["detector"] == d]
          for d in ("vigil", "zscore")}
    assert summaries["vigil"]["cv_standard_mean"]["mean"] == pytest.approx(
        sum(cv["vigil"]) / 2, abs=0.01)
    assert summaries["zscore"]["standard"]["seeds"] == 2
    assert "cv_standard_mean_vs" not in summaries["vigil"]
    vs = summaries["zscore"]["cv_standard_mean_vs"]
    diffs = [z - v for v, z in zip(cv["vigil"], cv["zscore"], strict=True)]
    assert vs["detector"] == "vigil"
    assert vs["mean"] == pytest.approx(sum(diffs) / 2, abs=0.01)
    assert vs["seeds_better"] == sum(d > 0 for d in diffs)
    for d in ("vigil", "zscore"):
        summed = summaries[d]["found_by_kind"]
        for kind, (a, b) in summed.items():
            parts = [x["found_by_kind"].get(kind, [0, 0]) for x in per_seed if x["detector"] == d]
            assert [a, b] == [sum(p[0] for p in parts), sum(p[1] for p in parts)]
    bad = runner.invoke(_app(), ["bench", "synth", "--out", str(out), "--seeds", "2-1"])
    assert bad.exit_code == 2
    assert "upwards" in bad.stderr


def test_ablations_are_for_benchmarks_not_for_users(corpus: Path, tmp_path: Path) -> None:
    res = runner.invoke(_app(), ["bench", "nab", "--nab-root", str(corpus), "--detector",
                                 "vigilnotod", "--results-dir", str(tmp_path / "r"),
                                 "--format", "json"])
    assert res.exit_code == 0, res.output
    p = _series_csv(tmp_path)
    res = runner.invoke(_app(), ["detect", str(p), "--timestamp-column", "ts",
                                 "--value-column", "cpu", "--detector", "vigilnotod"])
    assert res.exit_code == 2
