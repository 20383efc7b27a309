"""Vigil security package."""
