"""Why a firing alert is muted now: inhibition, a maintenance window or a silence.

`Mutes` is the muter the pipeline's `MuteStage` and the escalation consult: one answer
per alert, computed once per evaluation cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vigil.alerting.inhibition import InhibitRule, inhibited
from vigil.alerting.silences import MaintenanceWindow, Silence, in_maintenance, silenced_by

INHIBITED = "inhibited"
MAINTENANCE = "maintenance"
SILENCED = "silenced"


@dataclass(frozen=True)
class Mutes:
    """Muted fingerprints: by source alert, by open maintenance window, by active silence."""

    inhibited: Mapping[str, str] = field(default_factory=dict)
    maintenance: Mapping[str, Sequence[str]] = field(default_factory=dict)
    silenced: Mapping[str, Sequence[int]] = field(default_factory=dict)

    def reason(self, fingerprint: str) -> str | None:
        """Why an alert is muted (inhibited, maintenance, silenced, in that order), or None."""
        if fingerprint in self.inhibited:
            return INHIBITED
        if fingerprint in self.maintenance:
            return MAINTENANCE
        if fingerprint in self.silenced:
            return SILENCED
        return None


def mutes_now(rules: Iterable[InhibitRule], windows: Sequence[MaintenanceWindow],
              silences: Sequence[Silence], firing: Mapping[str, Mapping[str, str]],
              now: datetime) -> Mutes:
    """Which of the firing alerts (fingerprint → labels) are muted at `now`, and by what."""
    windows_by_fp = {fp: names for fp, labels in firing.items()
                     if (names := in_maintenance(windows, labels, now))}
    silences_by_fp = {fp: ids for fp, labels in firing.items()
                      if (ids := silenced_by(silences, labels, now))}
    return Mutes(inhibited(rules, firing), windows_by_fp, silences_by_fp)
