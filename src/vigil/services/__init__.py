"""Vigil services package."""
