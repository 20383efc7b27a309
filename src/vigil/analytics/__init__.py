"""Vigil analytics package."""
