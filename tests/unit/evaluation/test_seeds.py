"""Seed lists, spreads and paired differences for many-seed synthetic evaluations."""

from __future__ import annotations

import math

import pytest

from vigil.evaluation.seeds import paired, parse_seeds, spread


@pytest.mark.parametrize(("text", "seeds"), [
    ("0-3", [0, 1, 2, 3]),
    ("5", [5]),
    ("0,3,5", [0, 3, 5]),
    ("0-2,8, 1", [0, 1, 2, 8]),
    ("7-7", [7]),
])
def test_seed_lists_and_ranges(text: str, seeds: list[int]) -> None:
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(("text", "message"), [
    ("", "no seeds"),
    ("a", "not a seed"),
    ("3-1", "upwards"),
    ("-1", "not a seed"),
    ("0-5000", "at most"),
])
def test_bad_seed_lists_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_seeds(text)


def test_spread_is_mean_sample_sd_and_range() -> None:
    s = spread([50.0, 54.0, 58.0])
    assert (s.mean, s.low, s.high, s.n) == (54.0, 50.0, 58.0, 3)
    assert s.sd == pytest.approx(4.0)
    assert spread([61.5]).sd == 0.0
    with pytest.raises(ValueError):
        spread([])


def test_paired_differences_count_the_seeds_that_gained() -> None:
    p = paired([50.0, 60.0, 40.0, 55.0], [52.0, 59.0, 44.0, 57.0])
    diffs = [2.0, -1.0, 4.0, 2.0]
    mean = sum(diffs) / 4
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 3)
    assert p.mean == pytest.approx(mean)
    assert p.stderr == pytest.approx(sd / 2)
    assert (p.better, p.n) == (3, 4)
    assert p.as_dict()["seeds_better"] == 3
    with pytest.raises(ValueError):
        paired([1.0], [1.0, 2.0])
