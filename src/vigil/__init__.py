"""Vigil: self-hosted operations intelligence."""

__version__ = "0.1.0"
