"""Vigil scaling package."""
