"""PromQL sources: read series from a Prometheus-compatible query API, score them, write back.

Pure domain: the source configuration, step alignment and time chunking of `query_range`,
parsing of the API's answers, series naming, the series cap and the write-back samples.
The polling, scoring and pushing live in `vigil.services.sources`.
"""
