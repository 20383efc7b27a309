"""Vigil detection package."""
