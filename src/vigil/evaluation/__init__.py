"""Vigil evaluation package."""
