"""Alerting application service, one module per job.

- `compiled`: the configuration compiled once and cached (`compiled_alerting`);
- `evaluation`: the evaluation cycle (`evaluate_alerts`) and its scheduler jobs, in phases:
  `lifecycle` (rules and life cycle), `paging` (escalation pages) and `notifying` (grouped
  notifications), which share `delivery` and `cycle_state`;
- `actions`: what operators do (acknowledge, resolve, silence, on call, test a receiver);
- `views`: alerts, silences, details and on-call entries as JSON-ready data.
"""

from vigil.services.alerting.actions import (
    AlertDetail,
    AlertNotFound,
    OnCallEntry,
    ReceiverNotFound,
    Upcoming,
    acknowledge_alert,
    alert_detail,
    create_silence,
    expire_silence,
    list_alerts,
    list_silences,
    on_call_now,
    resolve_alert,
    test_receiver,
    upcoming_pages,
)
from vigil.services.alerting.compiled import CompiledAlerting, compiled_alerting
from vigil.services.alerting.cycle_state import EvaluationReport
from vigil.services.alerting.evaluation import (
    EVALUATION_JOB,
    alerting_job,
    evaluate_alerts,
    evaluation_interval_seconds,
    prune_history,
)
from vigil.services.alerting.views import (
    alert_json,
    business_calendar,
    detail_json,
    oncall_json,
    respond_by,
    silence_json,
)

__all__ = [
    "EVALUATION_JOB", "AlertDetail", "AlertNotFound", "CompiledAlerting", "EvaluationReport",
    "OnCallEntry", "ReceiverNotFound", "Upcoming", "acknowledge_alert", "alert_detail",
    "alert_json", "alerting_job", "business_calendar", "compiled_alerting", "create_silence",
    "detail_json",
    "evaluate_alerts", "evaluation_interval_seconds", "expire_silence", "list_alerts",
    "list_silences", "on_call_now", "oncall_json", "prune_history", "resolve_alert",
    "respond_by", "silence_json", "test_receiver", "upcoming_pages",
]
