"""The console's colour pairs meet WCAG 2.1 AA contrast (4.5:1 for text, 3:1 for the focus
ring against the backgrounds it sits on)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[3] / "src" / "vigil" / "web" / "static"
       / "console.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-f]{6})", CSS))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour(name: str) -> str:
    return VARIABLES.get(name, name)


TEXT_PAIRS = [
    ("fg", "bg"), ("fg", "card"), ("muted", "bg"), ("muted", "card"), ("accent", "card"),
    ("accent", "bg"), ("ok", "card"), ("bad", "card"), ("warn", "card"),
    ("#ffffff", "p1"), ("#ffffff", "p2"), ("#ffffff", "p3"), ("#ffffff", "p4"),
    ("#ffffff", "bad"), ("#ffffff", "warn"), ("#ffffff", "accent"), ("#ffffff", "#0b2740"),
    ("#ffffff", "#1d4f7c"), ("ok", "#e6f4e7"), ("bad", "#fdecea"), ("fg", "#fff4d6"),
]


@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_text_colours_meet_aa(text: str, background: str) -> None:
    assert contrast(colour(text), colour(background)) >= 4.5


@pytest.mark.parametrize("background", ["bg", "card"])
def test_the_focus_ring_stands_out(background: str) -> None:
    assert contrast(colour("focus"), colour(background)) >= 3.0
    assert contrast("#ffd166", "#0b2740") >= 3.0  # the ring in the dark header


def test_the_variables_were_found() -> None:
    assert {"fg", "muted", "bg", "card", "accent", "focus", "p1", "p4"} <= set(VARIABLES)
