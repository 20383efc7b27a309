"""Vigil api routers package."""
