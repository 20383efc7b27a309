"""Detectors by name (names have no underscores: they become NAB file prefixes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from vigil.detection.base import Detector
from vigil.detection.baselines import ZScoreDetector
from vigil.detection.default import DefaultConfig, NoveltyDetector
from vigil.detection.state import StateError, state_kind

DEFAULT_DETECTOR = "vigil"

_D = DefaultConfig()

# name -> (factory, one-line description): the detectors a user chooses from.
# Ablations of the default (one part switched off) live in vigil.evaluation.variants.
DETECTORS: dict[str, tuple[Callable[[], Detector], str]] = {
    "vigil": (NoveltyDetector, "default: range + contextual + time-of-day novelty, rarity, rest, "
                               "seasonal band, outages"),
    "vigilevents": (lambda: NoveltyDetector(replace(_D, silences=True)),
                    "the default for series that count events (requests, errors, logins a "
                    "step): also reports a silence, zeros improbable at this time of day"),
    "novelty": (lambda: NoveltyDetector(replace(
        _D, grid1=8, grid2=0, rest=50, range_saturation=10.0, pattern_weight=1.0,
        pattern_rarity=1e-9, range_rarity=1e-9, time_of_day_weight=0.0, jump_weight=0.0,
        fire_at=0.75)), "CAD-like baseline: one 8-level grid, no rarity, no time of day"),
    "zscore": (ZScoreDetector, "EW z-score, squashed: 1 - exp(-z²/50)"),
}


def detector_names() -> list[str]:
    """Names accepted by make_detector."""
    return list(DETECTORS)


def make_detector(name: str = DEFAULT_DETECTOR) -> Detector:
    """A fresh detector by name; KeyError with the known names otherwise."""
    try:
        factory = DETECTORS[name][0]
    except KeyError:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}") from None
    return factory()


def restore_detector(state: bytes) -> Detector:
    """Rebuild any registered detector from its get_state() bytes."""
    kind = state_kind(state)
    if kind == NoveltyDetector.name:
        return NoveltyDetector.from_state(state)
    if kind == ZScoreDetector.name:
        return ZScoreDetector.from_state(state)
    raise StateError(f"unknown detector kind {kind!r}")
