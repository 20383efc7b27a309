"""Generate, render, store and send reports; the scheduled `reports` job.

Reports are stored in the `report_runs` table (JSON document and HTML), so they are part
of backups and every replica serves them; `analytics.reports.keep` runs are kept per kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.alerting.retry import Backoff, DeliveryError
from vigil.analytics.render_html import render_html
from vigil.analytics.render_markdown import render_markdown
from vigil.config import OperatorConfig, Settings
from vigil.services.reports.build import build_report
from vigil.services.reports.delivery import deliver_report
from vigil.services.reports.periods import Period, daily_period, period_for, weekly_period
from vigil.storage import reports_repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event

FORMATS = ("html", "json", "md")
JOB_NAME = "reports"
JOB_INTERVAL_SECONDS = 300.0
DELIVERY_BACKOFF = Backoff(initial=timedelta(minutes=5), factor=2.0,
                           maximum=timedelta(hours=1))
"""Waits between the attempts of a report delivery that failed for a reason that may pass."""
DELIVERY_ATTEMPTS = 8
"""Attempts in all (about 4 h 15 min of retrying) before a delivery is `failed` for good."""


class FormatError(ValueError):
    """An output format other than html, json or md."""


def render(report: Mapping[str, Any], fmt: str) -> str:
    """The report as `html`, `json` or `md` text."""
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=False) + "\n"
    if fmt == "md":
        return render_markdown(report)
    raise FormatError(f"unknown format {fmt!r}: use html, json or md")


def generate(db: Database, settings: Settings, config: OperatorConfig, kind: str,
             at: str | None = None, week: str | None = None,
             now: datetime | None = None) -> dict[str, Any]:
    """Build the report of a kind for the period the options choose (PeriodError if bad)."""
    now = now or datetime.now(UTC)
    return build_report(db, settings, config, period_for(kind, at, week, now), now)


@dataclass(frozen=True)
class StoredReport:
    """A report the job (or `vigil report --store`) wrote, and its delivery outcome."""

    run_id: int
    kind: str
    label: str
    delivery: str
    error: str | None


def store_and_send(db: Database, config: OperatorConfig, report: Mapping[str, Any],
                   send: bool = True, now: datetime | None = None) -> StoredReport:
    """Store a report run, then send it to `analytics.reports.receiver` (if set and `send`).

    A delivery that fails for a reason that may pass (a 5xx or 429 answer, a network or
    SMTP error) is `retrying`: the reports job tries again with back-off.
    """
    html = render_html(report)
    period = report["period"]
    with db.session() as s:
        run_id = reports_repo.add_run(
            s, kind=report["kind"], period_label=period["label"],
            period_start=datetime.fromisoformat(period["start"]),
            period_end=datetime.fromisoformat(period["end"]),
            generated_at=datetime.fromisoformat(report["generated_at"]),
            document=json.dumps(report), html=html)
        reports_repo.prune_runs(s, report["kind"], config.analytics.reports.keep)
    name = config.analytics.reports.receiver
    if not send or name is None:
        return StoredReport(run_id, report["kind"], period["label"], "none", None)
    return _attempt(db, config, run_id, name, report, html, 0, now or datetime.now(UTC))


def _attempt(db: Database, config: OperatorConfig, run_id: int, name: str,
             report: Mapping[str, Any], html: str, attempts_before: int,
             now: datetime) -> StoredReport:
    """Deliver a stored run once more and record the outcome (and the next attempt)."""
    attempts = attempts_before + 1
    status, error, next_at = "sent", None, None
    receiver = config.alerting.receivers.get(name)
    try:
        if receiver is None:
            raise DeliveryError(f"receiver {name!r} is no longer configured", retryable=False)
        deliver_report(receiver, report, html)
    except DeliveryError as exc:
        error = str(exc)
        if exc.retryable and attempts < DELIVERY_ATTEMPTS:
            status, next_at = "retrying", now + DELIVERY_BACKOFF.delay(attempts)
        else:
            status = "failed"
        log_event("ERROR", "ERROR", job=JOB_NAME, receiver=name, run_id=run_id,
                  attempt=attempts, next_attempt=next_at,
                  message=f"report delivery failed: {exc}")
    with db.session() as s:
        reports_repo.set_delivery(s, run_id, name, status, error, attempts, next_at)
    period = report["period"]
    return StoredReport(run_id, report["kind"], period["label"], status, error)


def retry_deliveries(db: Database, config: OperatorConfig,
                     now: datetime) -> list[StoredReport]:
    """Try again every `retrying` delivery whose next attempt is due by `now`."""
    with db.session() as s:
        due = reports_repo.due_retries(s, now)
    done = []
    for run_id in due:
        with db.session() as s:
            found = reports_repo.run_content(s, run_id)
        if found is None:  # pruned meanwhile
            continue
        run, document, html = found
        done.append(_attempt(db, config, run_id, run.receiver or "", json.loads(document),
                             html, run.delivery_attempts, now))
    return done


def due_periods(config: OperatorConfig, now: datetime) -> list[Period]:
    """The periods whose report should exist by `now`: today's daily (once `daily_at` has
    passed) and last week's weekly (from Monday `daily_at` on)."""
    cfg = config.analytics.reports
    today_at = datetime.combine(now.astimezone(UTC).date(), cfg.daily_at, UTC)
    last_at = today_at if now >= today_at else today_at - timedelta(days=1)
    out = []
    if cfg.daily:
        out.append(daily_period(last_at, now))
    if cfg.weekly:
        out.append(weekly_period(None, last_at))
    return out


def run_due_reports(db: Database, settings: Settings, config: OperatorConfig,
                    now: datetime) -> list[StoredReport]:
    """Write (and send) every due report not stored yet; a period is written once."""
    written = []
    for period in due_periods(config, now):
        with db.session() as s:
            if reports_repo.find_run(s, period.kind, period.start) is not None:
                continue
        report = build_report(db, settings, config, period, now)
        written.append(store_and_send(db, config, report, now=now))
    return written


def reports_job(db: Database, settings: Settings,
                config: OperatorConfig) -> Callable[[datetime], str]:
    """The scheduled job: every few minutes, retry the deliveries that are due again, then
    write (and send) the reports that fell due."""

    def run(now: datetime) -> str:
        done = retry_deliveries(db, config, now) + run_due_reports(db, settings, config, now)
        if not done:
            return "no report due"
        return "; ".join(f"{r.kind} {r.label}: run {r.run_id}, delivery {r.delivery}"
                         for r in done)

    return run
