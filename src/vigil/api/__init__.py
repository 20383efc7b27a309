"""Vigil api package."""
