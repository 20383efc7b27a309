"""Vigil cli package."""
