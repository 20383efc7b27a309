"""The synthetic ops corpus: deterministic for a seed, NAB layout, labelled onsets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from vigil.evaluation.corpus import load_corpus
from vigil.evaluation.synth import burst_series, generate, windows_of, write_corpus


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def _trace(tmp_path: Path) -> Path:
    """A small per-minute request trace with daily rhythm and a 2-hour outage."""
    folder = tmp_path / "traces"
    folder.mkdir()
    minutes = np.arange(14 * 1440)
    rate = 30 + 25 * np.sin(2 * np.pi * minutes / 1440)
    values = np.random.default_rng(9).poisson(rate)
    values[8000:8120] = 0
    with (folder / "nasa_http_1995_per_minute.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["minute_index", "requests"])
        w.writerows(zip(minutes.tolist(), values.tolist(), strict=True))
    return folder


def test_same_seed_same_corpus_other_seed_other_corpus(tmp_path: Path) -> None:
    traces = _trace(tmp_path)
    write_corpus(tmp_path / "a", 7, traces)
    write_corpus(tmp_path / "b", 7, traces)
    write_corpus(tmp_path / "c", 8, traces)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert a == b
    assert a.keys() == c.keys() and a != c
    labels = (tmp_path / "a" / "labels" / "combined_windows.json").read_bytes()
    assert labels == (tmp_path / "b" / "labels" / "combined_windows.json").read_bytes()


def test_corpus_loads_as_nab_with_windows_on_every_onset(tmp_path: Path) -> None:
    traces = _trace(tmp_path)
    n = write_corpus(tmp_path / "corpus", 0, traces)
    files = load_corpus(tmp_path / "corpus")
    assert len(files) == n
    cats = {f.name.split("/")[0] for f in files}
    assert cats == {"synthBursts", "synthCounts", "synthGauges", "synthNews", "synthTraces"}
    assert all(f.windows for f in files)
    trace = next(f for f in files if f.name.startswith("synthTraces/"))
    # the trace's own 2-hour outage (minute 8000 = row 1600 at 5 minutes) is labelled
    assert any(a <= 1600 <= b for a, b in trace.windows)
    labels = json.loads((tmp_path / "corpus" / "labels" / "combined_windows.json").read_text())
    assert set(labels) == {f.name for f in files}


def test_count_series_are_counts_with_zeros_at_low_levels() -> None:
    counts = generate(3)["synthCounts"]
    for s in counts:
        assert np.all(s.values >= 0) and np.all(s.values == np.round(s.values))
        wins = windows_of(s)
        assert len(wins) == len(s.onsets) == 3
        assert all(a <= o <= b for (a, b), o in zip(wins, s.onsets, strict=True))
    assert any(np.mean(s.values == 0) > 0.2 for s in counts)


@pytest.mark.parametrize("category", ["synthBursts", "synthNews"])
def test_bursts_are_heavy_tailed_counts_with_labelled_surges(category: str) -> None:
    bursts = generate(5)[category]
    assert len(bursts) == 8
    for s in bursts:
        assert np.all(s.values >= 0) and np.all(s.values == np.round(s.values))
        assert 2 <= len(s.onsets) <= 3 and len(windows_of(s)) == len(s.onsets)
        # heavy tail: the largest value is far above the typical one
        assert s.values.max() > 5 * max(float(np.percentile(s.values, 90)), 1.0)
    assert any(np.mean(s.values == 0) > 0.2 for s in bursts)


def test_adding_bursts_left_the_other_categories_unchanged() -> None:
    """The burst category draws from its own stream: older corpora stay reproducible.

    The pinned figures were computed before synthBursts existed."""
    corpus = generate(0)
    first = corpus["synthCounts"][0]
    assert first.onsets == [1320, 2713, 3195]
    assert float(first.values.sum()) == 140537.0
    assert float(corpus["synthGauges"][5].values.sum()) == pytest.approx(824336.9103553771,
                                                                        rel=1e-12)


def test_news_surges_stand_out_more_than_in_bursts() -> None:
    """synthNews' lighter-tailed bursts leave its labelled surges nearer the top of a file."""
    def top_share(cat: str) -> float:
        hits = total = 0
        for seed in (0, 1):
            for s in generate(seed)[cat]:
                cutoff = np.sort(s.values)[-20]
                for o in s.onsets:
                    total += 1
                    hits += bool(np.max(s.values[o:o + 12]) >= cutoff)
        return hits / total

    assert top_share("synthNews") > top_share("synthBursts")


def test_burst_series_for_diagnostics_follow_their_level_range_and_seed() -> None:
    """burst_series draws synthBursts-like files at a chosen level, reproducibly."""
    low = burst_series(4, 3, 4032, (2.5, 4.0), (0.5, 2.0))
    high = burst_series(4, 3, 4032, (2.5, 4.0), (50.0, 200.0))
    again = burst_series(4, 3, 4032, (2.5, 4.0), (50.0, 200.0))
    assert all(np.array_equal(a.values, b.values) for a, b in zip(high, again, strict=True))
    for lo_s, hi_s in zip(low, high, strict=True):
        assert np.median(hi_s.values) > 10 * max(float(np.median(lo_s.values)), 1.0)
        assert 2 <= len(hi_s.onsets) <= 3
    assert burst_series(5, 1, 4032, (2.5, 4.0), (50.0, 200.0))[0].values.tolist() != \
        high[0].values.tolist()


def test_every_labelled_anomaly_has_its_kind(tmp_path: Path) -> None:
    """Kinds line up with onsets in every category and are written next to the windows."""
    corpus = generate(2, _trace(tmp_path))
    for category, items in corpus.items():
        for s in items:
            assert len(s.kinds) == len(s.onsets), (category, s.name)
    assert {k for s in corpus["synthCounts"] for k in s.kinds} <= {
        "surge", "dip", "level shift up", "level shift down"}
    assert {k for s in corpus["synthGauges"] for k in s.kinds} <= {
        "level shift", "variance change", "drift to a limit", "stuck value"}
    assert {k for s in corpus["synthBursts"] for k in s.kinds} <= {"news surge", "raised level"}
    trace = corpus["synthTraces"][0]
    assert trace.kinds[trace.onsets.index(min(trace.onsets))] in (
        "outage (the trace's own zeros)", "surge", "dip", "level shift up")
    out = tmp_path / "c"
    write_corpus(out, 2, tmp_path / "traces")
    kinds = json.loads((out / "labels" / "synth_kinds.json").read_text())
    windows = json.loads((out / "labels" / "combined_windows.json").read_text())
    assert kinds.keys() == windows.keys()
    assert all(len(kinds[k]) == len(windows[k]) for k in kinds)


def test_a_stuck_gauge_is_flat_from_its_onset() -> None:
    """The label says what the data shows: a 'stuck value' repeats its first value."""
    seen = 0
    for seed in range(4):
        for s in generate(seed)["synthGauges"]:
            for onset, kind in zip(s.onsets, s.kinds, strict=True):
                if kind == "stuck value":
                    seen += 1
                    assert np.all(s.values[onset:onset + 12] == s.values[onset])
    assert seen > 0


def _longest_run(flags: np.ndarray) -> int:
    """The longest run of True in a boolean array."""
    longest = run = 0
    for f in flags:
        run = run + 1 if f else 0
        longest = max(longest, run)
    return longest


def test_a_gauge_shift_never_pins_it_to_its_floor_in_version_2() -> None:
    """Version 1 could shift a gauge below its floor, where it was clipped and sat
    unlabelled for days; version 2 keeps every shift inside the gauge's range and
    draws everything else the same."""
    def pinned(version: int) -> int:
        pinned_files = 0
        for seed in range(8):
            for s in generate(seed, version=version)["synthGauges"]:
                floor = 0.1 if s.name.startswith("latency") else 0.0
                pinned_files += _longest_run(s.values <= floor) >= 12
        return pinned_files

    assert pinned(1) > 0 and pinned(2) == 0
    v1, v2 = generate(3, version=1), generate(3, version=2)
    for category in ("synthCounts", "synthBursts", "synthNews"):
        assert all(np.array_equal(a.values, b.values)
                   for a, b in zip(v1[category], v2[category], strict=True))
    shifted = [(a, b) for a, b in zip(v1["synthGauges"], v2["synthGauges"], strict=True)
               if not np.array_equal(a.values, b.values, equal_nan=True)]
    assert shifted and all(a.onsets == b.onsets and a.kinds == b.kinds for a, b in shifted)
    with pytest.raises(ValueError, match="corpus version"):
        generate(0, version=3)
