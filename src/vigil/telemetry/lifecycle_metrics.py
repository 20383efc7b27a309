"""Prometheus metrics of the model lifecycle: feedback quality, data quality, training.

The runbook's names (`anomaly_detection_accuracy`, `false_positive_rate`,
`data_quality_score`) carry `series`/`series_id` (and `model_version`) labels. A rate
with too few labels to mean anything has no sample at all: Prometheus sees no data.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ACCURACY = Gauge(
    "anomaly_detection_accuracy",
    "Precision over labelled anomalies in the quality window (true positives / labelled); "
    "absent below the minimum number of labels.", ["series_id", "series", "model_version"])
FALSE_POSITIVE_RATE = Gauge(
    "false_positive_rate",
    "False positives per labelled anomaly in the quality window; absent below the minimum "
    "number of labels.", ["series_id", "series", "model_version"])
MISSED_ANOMALIES = Gauge(
    "missed_anomalies", "Missed-anomaly ranges reported in the quality window.",
    ["series_id", "series"])
LABELLED_ANOMALIES = Gauge(
    "vigil_model_labelled_anomalies", "Labelled anomalies in the quality window.",
    ["series_id", "series", "model_version"])
DATA_QUALITY = Gauge(
    "data_quality_score", "Data quality of a series in [0, 1] (1 - the component costs).",
    ["series_id", "series"])
DATA_QUALITY_COST = Gauge(
    "vigil_data_quality_cost", "What each data-quality component cost the score.",
    ["series_id", "series", "component"])
TRAINING_LAST_SUCCESS = Gauge(
    "vigil_model_training_last_success_timestamp_seconds",
    "Unix time the last retraining run completed.")
TRAINING_DURATION = Gauge(
    "vigil_model_training_duration_seconds", "Seconds the last retraining run took.")
TRAINING_SERIES = Gauge(
    "vigil_model_training_series", "Series retrained by the last run.")
TRAINING_FAILURES = Counter(
    "vigil_model_training_failures", "Retraining runs (or series) that failed.")
TRAINING_NOT_PROMOTED = Counter(
    "vigil_model_training_not_promoted",
    "Retrained models kept back because precision on the labelled window got worse.")
