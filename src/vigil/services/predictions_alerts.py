"""Proactive alerts: the active stored predictions as observations of the alert cycle.

The forecasting job stores its predictions; every alert cycle turns the active, fresh
ones into `PredictedBreach` observations (P3, or P2 under the lead time), so they pass
the same life cycle, escalation and notification pipeline as every other alert, and
resolve when the forecast no longer breaches (or the prediction goes stale).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from vigil.alerting.fingerprint import fingerprint
from vigil.alerting.rules import Observation, alert_labels
from vigil.core.types import Severity
from vigil.storage import predictions_repo

RULE = "PredictedBreach"


def _iso(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def breach_observations(session: Session, now: datetime) -> dict[str, Observation]:
    """One observation per active, fresh prediction, keyed by fingerprint."""
    out: dict[str, Observation] = {}
    for p in predictions_repo.active_predictions(session, now.timestamp()):
        d = p.details
        severity = Severity.CRITICAL if p.priority == "P2" else Severity.WARNING
        rule_labels = {"priority": p.priority or "P3", "category": "resource",
                       "target": p.target}
        labels = alert_labels(RULE, severity, str(d.get("metric", "")),
                              dict(d.get("labels") or {}), rule_labels)
        fc = d.get("forecast_at_horizon") or {}
        secs = p.seconds_to_breach
        annotations = {
            "summary": f"{labels['series']} is predicted to cross {d.get('direction')} "
                       f"{d.get('threshold')} ({p.target})"
                       + (f" in {_duration(secs)}" if secs is not None else ""),
            "forecast": (f"{fc.get('mean', float('nan')):.4g} at {_iso(fc.get('timestamp'))} "
                         f"(now {d.get('current', float('nan')):.4g})"),
            "interval": (f"{fc.get('level', 0.8):.0%}: {fc.get('lower', float('nan')):.4g}"
                         f" – {fc.get('upper', float('nan')):.4g}"),
            "breach_at": _iso(d.get("breach_at")),
            "breach_at_lower": _iso(d.get("breach_at_lower")),
            "breach_at_upper": _iso(d.get("breach_at_upper")),
            "probability": f"{p.probability:.0%}",
            "model": str(d.get("model", "")),
        }
        fp = fingerprint(labels)
        out[fp] = Observation(rule=RULE, severity=severity, for_=timedelta(0), labels=labels,
                              annotations=annotations,
                              value=secs if secs is not None else -1.0,
                              series_id=p.series_id, fingerprint=fp)
    return out
