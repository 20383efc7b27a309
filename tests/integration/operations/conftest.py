"""Fixtures of the operations tests: a real `vigil serve` per module."""

from tests.integration.operations.running_vigil import vigil_server

__all__ = ["vigil_server"]
