"""Detectors the benchmarks may run: the registered ones plus ablations of the default.

An ablation switches one part of the default detector off, to measure what that
part is worth (docs/detection.md). They are not offered to users (the registry
in `vigil.detection.registry` is), but `vigil bench nab --detector` and
`--cv-grid` accept them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from vigil.detection.base import Detector
from vigil.detection.default import DefaultConfig, NoveltyDetector
from vigil.detection.registry import DETECTORS, make_detector

_D = DefaultConfig()

# name -> (configuration, one-line description); names have no underscores (NAB prefixes)
ABLATIONS: dict[str, tuple[DefaultConfig, str]] = {
    "vigilnotod": (replace(_D, time_of_day_weight=0.0), "default without time-of-day novelty"),
    "vigilnojump": (replace(_D, jump_weight=0.0),
                    "default without jump weighting of pattern novelty"),
    "vigilnorarity": (replace(_D, pattern_rarity=1e-9, range_rarity=1e-9,
                              time_of_day_rarity=1e-9), "default without rarity damping"),
    "vigilnoops": (replace(_D, residual_weight=0.0, drift_weight=0.0, escalate=False),
                   "default without seasonal residual, drift and escalation"),
    "vigilnoagree": (replace(_D, agreement=0.0), "default without the agreement bonus"),
    "vigilnores": (replace(_D, residual_weight=0.0), "default without the seasonal residual onset"),
    "vigilnooutage": (replace(_D, outage_share=0.0), "default without outage reports"),
    "vigilnoshift": (replace(_D, shift_weight=0.0), "default without the level-shift onset"),
    "vigilnostuck": (replace(_D, stuck_values=False), "default without stuck values"),
    "vigilsqrtcounts": (replace(_D, count_model=1),
                        "default with count series modelled as 2 sqrt(x + 3/8)"),
    "vigillogcounts": (replace(_D, count_model=2),
                       "default with count series modelled as log(1 + x)"),
}


def candidate_names() -> list[str]:
    """Every name the benchmarks accept: registered detectors, then ablations."""
    return [*DETECTORS, *ABLATIONS]


def make_candidate(name: str) -> Detector:
    """A fresh detector by registered or ablation name; KeyError otherwise."""
    if name in ABLATIONS:
        return NoveltyDetector(ABLATIONS[name][0])
    if name in DETECTORS:
        return make_detector(name)
    raise KeyError(f"unknown detector {name!r}; known: {', '.join(candidate_names())}")


def candidate_factory(name: str) -> Callable[[], Detector]:
    """A factory of fresh detectors of `name` (KeyError if unknown)."""
    make_candidate(name)
    return lambda: make_candidate(name)
