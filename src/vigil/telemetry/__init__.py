"""Vigil telemetry package."""
