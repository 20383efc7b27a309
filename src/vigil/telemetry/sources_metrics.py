"""Prometheus metrics of the PromQL sources, per source."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SOURCE_UP = Gauge("vigil_source_up",
                  "1 while the source's last poll of every query succeeded, else 0.", ["source"])
SOURCE_LAST_SUCCESS = Gauge("vigil_source_last_success_timestamp_seconds",
                            "Unix time of the source's last successful poll.", ["source"])
SOURCE_LAG = Gauge("vigil_source_lag_seconds",
                   "Seconds between now and the newest step scored, oldest query of the source.",
                   ["source"])
SOURCE_SERIES = Gauge("vigil_source_series",
                      "Series of the source this process scores.", ["source"])
SOURCE_ERRORS = Counter("vigil_source_errors_total",
                        "Failed polls or write-backs of a source query.", ["source", "query"])
SOURCE_POINTS = Counter("vigil_source_points_scored_total",
                        "Points of source series scored.", ["source"])
SOURCE_WRITEBACK = Counter("vigil_source_writeback_samples_total",
                           "Samples pushed by remote_write for a source.", ["source"])
SOURCE_POLL_SECONDS = Gauge("vigil_source_poll_duration_seconds",
                            "Seconds the source's last poll cycle took.", ["source"])
