"""Windows found per kind of labelled anomaly, by NAB's own test for a true positive."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vigil.evaluation.kinds import add_found, found_by_kind, load_kinds
from vigil.evaluation.nab import layout_file


def test_a_window_is_found_when_any_of_its_rows_reaches_the_threshold() -> None:
    n = 2000
    windows = [(100, 150), (900, 1000), (1500, 1600)]  # the first lies in the probation
    scores = np.zeros(n)
    scores[950] = 0.8   # second window: found at 0.5, not at 0.9
    scores[1700] = 1.0  # outside every window: no kind gains from it
    rows = {"a.csv": layout_file(scores, windows)}
    kinds = {"a.csv": ["dip", "surge", "stuck value"]}
    assert rows["a.csv"].n_windows == 2
    assert found_by_kind(rows, kinds, 0.5) == {"stuck value": (0, 1), "surge": (1, 1)}
    assert found_by_kind(rows, kinds, 0.9) == {"stuck value": (0, 1), "surge": (0, 1)}


def test_files_without_kinds_are_skipped_and_runs_add_up() -> None:
    rows = {"a.csv": layout_file(np.ones(2000), [(900, 1000)]),
            "b.csv": layout_file(np.ones(2000), [(900, 1000)])}
    one = found_by_kind(rows, {"a.csv": ["dip"]}, 0.5)
    assert one == {"dip": (1, 1)}
    assert add_found([one, {"dip": (0, 2), "surge": (1, 1)}]) == {"dip": (1, 3),
                                                                  "surge": (1, 1)}


def test_kinds_are_read_from_the_corpus_labels(tmp_path: Path) -> None:
    assert load_kinds(tmp_path) == {}
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "synth_kinds.json").write_text(json.dumps({"x/a.csv": ["dip"]}))
    assert load_kinds(tmp_path) == {"x/a.csv": ["dip"]}
    (tmp_path / "labels" / "synth_kinds.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="expected an object"):
        load_kinds(tmp_path)
