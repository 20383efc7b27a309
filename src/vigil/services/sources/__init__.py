"""PromQL sources: poll `query_range`, score every returned series, write the scores back.

`client` talks to the store, `scoring` turns a fetched chunk into detector runs, anomalies
and state (the same tables as the detection worker), `writeback` pushes or exposes the
scores, `poller` runs it all as a background thread, `queries` answers the API and CLI.
"""
