"""Notification transports (adapters that do I/O): webhook, Slack, email, Alertmanager."""
