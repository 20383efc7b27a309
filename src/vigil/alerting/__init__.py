"""Vigil alerting package."""
