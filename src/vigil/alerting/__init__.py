"""Monitoring and alerting domain: rules, alert life cycle, priorities, escalation, on-call.

Pure Python: no I/O. Transports live in `vigil.services.notifiers`, persistence in
`vigil.storage.alerting_repo`, orchestration in `vigil.services.alerting`.
"""
