"""Quality of a detector from operator feedback: accuracy, false-positive rate, missed.

Over the anomalies labelled in a window (by anomaly timestamp):
- `anomaly_detection_accuracy` = true positives / labelled anomalies (precision);
- `false_positive_rate` = false positives / labelled anomalies;
- `missed_anomalies` = missed ranges that overlap the window.
With fewer labels than the minimum the two rates are None (absent), never 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelCounts:
    """Labelled anomalies of one series and detector version in a window."""

    true_positives: int
    false_positives: int

    @property
    def labelled(self) -> int:
        """How many anomalies carry a label."""
        return self.true_positives + self.false_positives


@dataclass(frozen=True, slots=True)
class DetectorQuality:
    """The two rates, or None where there are too few labels to mean anything."""

    accuracy: float | None
    false_positive_rate: float | None
    labelled: int


def detector_quality(counts: LabelCounts, min_labels: int) -> DetectorQuality:
    """Accuracy and false-positive rate from label counts; None below `min_labels`."""
    n = counts.labelled
    if n == 0 or n < min_labels:
        return DetectorQuality(None, None, n)
    return DetectorQuality(counts.true_positives / n, counts.false_positives / n, n)
