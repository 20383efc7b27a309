"""Fixtures of the analytics tests: the alerting tests' real local receivers, and a seeded
hand-computed history (see `seeding.py`)."""

from tests.integration.alerting.conftest import receiver_factory, smtp_server  # noqa: F401
