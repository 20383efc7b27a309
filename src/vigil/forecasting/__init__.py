"""Vigil forecasting package."""
