"""Leave-one-category-out cross-validation never uses the left-out category's labels."""

from __future__ import annotations

import numpy as np

from vigil.evaluation.cv import category_of, cross_validate, score_at
from vigil.evaluation.nab import STANDARD, FileRows, best_threshold, layout_file


def _scores(rng: np.random.Generator, n: int, hits: list[int], level: float) -> np.ndarray:
    s = rng.uniform(0.0, 0.6, n) * (rng.uniform(0, 1, n) < 0.02)
    for h in hits:
        s[h] = level
    return s


def _corpus(windows_c: list[tuple[int, int]]) -> dict[str, dict[str, FileRows]]:
    """Two candidates over three categories; category c's windows are given."""
    rng = np.random.default_rng(3)
    n = 2000
    out: dict[str, dict[str, FileRows]] = {}
    for cand, level in (("low", 0.55), ("high", 0.9)):
        rows: dict[str, FileRows] = {}
        for cat in ("a", "b", "c"):
            for k in range(2):
                hits = [700 + 300 * k, 1500]
                wins = windows_c if cat == "c" else [(h - 40, h + 40) for h in hits]
                rows[f"{cat}/f{k}.csv"] = layout_file(_scores(rng, n, hits, level), wins)
        out[cand] = rows
    return out


def test_permuting_a_left_out_categorys_labels_does_not_change_its_settings() -> None:
    labelled = cross_validate(_corpus([(660, 740), (1460, 1540)]))
    permuted = cross_validate(_corpus([(300, 380), (1100, 1180), (1800, 1880)]))
    for profile, res in labelled.items():
        before = {f.category: f for f in res.folds}
        after = {f.category: f for f in permuted[profile].folds}
        assert (before["c"].candidate, before["c"].threshold) == \
            (after["c"].candidate, after["c"].threshold)
        # the permutation did change what the left-out category scores ...
        assert before["c"].raw != after["c"].raw
        # ... and the other folds, which train on c, may see it (not asserted equal)
    assert labelled["standard"].folds[0].category == "a"


def test_fold_score_equals_the_sweep_at_the_same_threshold() -> None:
    rows = list(_corpus([(660, 740)])["high"].values())
    best = best_threshold(rows, STANDARD)
    raw, tp, fp, fn = score_at(rows, STANDARD, best.threshold)
    assert abs(raw - best.raw) < 1e-9
    assert (tp, fp, fn) == (best.tp, best.fp, best.fn)


def test_category_without_windows_has_no_normalised_score_but_counts_its_fps() -> None:
    corpus = _corpus([])
    res = cross_validate(corpus)["standard"]
    c = next(f for f in res.folds if f.category == "c")
    assert c.windows == 0 and c.normalised is None
    assert res.mean == np.mean([f.normalised for f in res.folds if f.category != "c"])
    assert category_of("c/f0.csv") == "c"
