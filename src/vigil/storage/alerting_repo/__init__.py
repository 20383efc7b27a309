"""Alerting persistence, one module per aggregate; identical on SQLite and PostgreSQL.

- `rule_inputs`: the latest samples and open anomalies the rules evaluate;
- `alerts`: alerts with their escalation state (optimistic `version`) and timeline events;
- `notifications`: the notification log (dedup memory, retries, what an alert was sent);
- `silences`: operator silences;
- `retention`: pruning old history.
"""

from vigil.storage.alerting_repo.alerts import (
    StoredAlert,
    add_events,
    add_many_events,
    count_open_by_priority,
    events_of,
    get_alert,
    insert_alerts,
    last_event,
    list_alerts,
    open_alerts,
    recently_resolved,
    update_alert,
    update_observations,
)
from vigil.storage.alerting_repo.notifications import (
    NotificationRecord,
    last_delivery,
    last_sent,
    notifications_of,
    record_notification,
)
from vigil.storage.alerting_repo.retention import prune
from vigil.storage.alerting_repo.rule_inputs import SeriesLabels, anomaly_signals, latest_samples
from vigil.storage.alerting_repo.silences import (
    active_silences,
    create_silence,
    expire_silence,
    list_silences,
)

__all__ = [
    "NotificationRecord", "SeriesLabels", "StoredAlert", "active_silences", "add_events",
    "add_many_events", "anomaly_signals", "count_open_by_priority", "create_silence",
    "events_of", "expire_silence", "get_alert", "insert_alerts", "last_delivery",
    "last_event", "last_sent", "latest_samples", "list_alerts", "list_silences",
    "notifications_of", "open_alerts", "prune", "recently_resolved", "record_notification",
    "update_alert", "update_observations",
]
