"""Prometheus metrics of the detection worker and on-demand detection."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MODEL_INFERENCE_TIME = Histogram(
    "model_inference_time", "Seconds one detector call took (a batch of points of one series).",
    ["detector"], buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                           2.5, 5.0))
DATA_PROCESSING_LAG = Gauge(
    "data_processing_lag",
    "Seconds between the arrival of the newest scored point and its scoring.")
DETECTION_LAG = Histogram(
    "vigil_detection_lag_seconds", "Seconds between a point's arrival and its scoring.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900))
ANOMALIES_DETECTED = Counter(
    "vigil_anomalies_detected_total", "Anomalies stored, by series name and severity.",
    ["series", "severity"])
ANOMALY_SCORE = Gauge(
    "vigil_anomaly_score", "Latest anomaly score of each watched series.",
    ["series_id", "series"])
POINTS_SCORED = Counter("vigil_detection_points_scored_total", "Points scored by the worker.",
                        ["detector"])
PARTITIONS_OWNED = Gauge("vigil_detection_partitions_owned",
                         "Partitions of the series space this process scores.")
WATCHED_SERIES = Gauge("vigil_detection_watched_series", "Series this process watches.")
SERIES_FAILURES = Counter("vigil_detection_series_failures_total",
                          "Passes over one series that failed and were skipped (the log says "
                          "why); the other series were scored.", ["detector"])
