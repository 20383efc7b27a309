"""How the detection worker takes up a promoted (or rolled-back) model version.

The scorers (the worker, and the source poller for series read from a PromQL source) stay
the only writers of `detector_state`. When a series' active version
is not yet adopted, the worker restores that version's exact state bytes and, if it
has already scored beyond the version's last trained point, replays those points into
it silently (they were scored once already: nothing is scored twice, nothing skipped).
A version whose state cannot be read contributes its threshold only, with a log line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from vigil.detection.base import Detector
from vigil.detection.registry import restore_detector
from vigil.detection.state import StateError
from vigil.storage import detection_repo, lifecycle_repo
from vigil.telemetry.logging import log_event

CHUNK = 20_000


@dataclass(slots=True)
class Adoption:
    """The series' firing threshold and, when newly adopted, the detector to continue with."""

    threshold: float
    label: str
    detector: Detector | None = None
    last_ts: float | None = None


def adopt(session: Session, series_id: int, detector: str, detector_version: str,
          scored_to: float | None) -> Adoption | None:
    """The active model of a series (None: none promoted, keep the worker's own)."""
    active = lifecycle_repo.active_model(session, series_id)
    if active is None:
        return None
    label = f"{detector_version}+m{active.version}"
    if active.adopted_version == active.version:
        return Adoption(active.threshold, label)
    version = lifecycle_repo.get_version(session, series_id, active.version)
    if version is None or version.detector != detector or \
            version.detector_version != detector_version:
        return Adoption(active.threshold, label)  # trained for another detector: threshold only
    try:
        model = restore_detector(version.state)
    except StateError as exc:  # never guessed at: the threshold is taken up, the model not
        log_event("Model version state unreadable", "WARNING", series_id=series_id,
                  model_version=active.version, detector=detector,
                  reason=f"the stored state cannot be read ({exc}); "
                         "its threshold is used with the scorer's own detector")
        lifecycle_repo.mark_adopted(session, series_id, active.version)
        return Adoption(active.threshold, label)
    last = version.last_ts
    while scored_to is not None and (last is None or last < scored_to):
        ts, values = detection_repo.points_after(session, series_id, last, scored_to, CHUNK)
        if not ts:
            break
        model.update_batch(np.asarray(ts), np.asarray(values))
        last = ts[-1]
    lifecycle_repo.mark_adopted(session, series_id, active.version)
    return Adoption(active.threshold, label, model, last)
