"""A short plain-text summary of a report: the message body of Slack and email deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from vigil.analytics.formatting import duration, number, percent


def report_href(report: Mapping[str, Any], fmt: str = "html") -> str:
    """The API URL that renders this report again (absolute when external_url is set)."""
    kind = report["kind"]
    period = report["period"]
    query: dict[str, str] = {"format": fmt}
    if kind == "weekly":
        query["week"] = period["label"]
    else:
        query["at"] = period["end"]
    return f"{report.get('base_url') or ''}/api/v1/reports/{kind}?{urlencode(query)}"


def summary_text(report: Mapping[str, Any]) -> str:
    """Headline numbers, the failed health checks, and where to read the whole report."""
    lines = [str(report["title"])]
    health = report.get("health")
    if health is not None:
        failed = [c for c in health["checks"] if not c["ok"]]
        lines.append("Health: all checks ok" if not failed else
                     "Health: FAIL " + "; ".join(f"{c['name']} ({c['detail']})" for c in failed))
    total = report["incidents"]["total"]
    lines.append(f"Alerts: {number(total['alerts'])}, response targets met "
                 f"{percent(total['target_share'])}, MTTA p50 {duration(total['mtta_p50'])}, "
                 f"MTTR p50 {duration(total['mttr_p50'])}")
    p1 = report["incidents"]["by_priority"].get("P1")
    if p1:
        lines.append(f"P1: {number(p1['alerts'])} alerts, targets met "
                     f"{percent(p1['target_share'])}")
    after = report["incidents"]["after_hours"]
    lines.append(f"Pages: {number(report['incidents']['pages'])}, after hours "
                 f"{number(after['pages'])}")
    noise = report["noise"]
    lines.append(f"Noise: {percent(noise['flapping_share'])} flapping, "
                 f"{number(noise['anomalies'])} anomalies, {number(noise['series_over_budget'])}"
                 " series over budget")
    crit = next((f for f in report["security"]["findings"] if f["severity"] == "CRITICAL"), None)
    if crit is not None:
        lines.append(f"Security: {crit['open']} critical findings open ({crit['new']} new, "
                     f"{crit['fixed']} fixed), {number(report['security']['threats'])} threats")
    breaches = report["capacity"]["predicted_breaches"]
    if breaches:
        lines.append(f"Capacity: {len(breaches)} predicted breach(es), first in "
                     f"{duration(breaches[0]['seconds_to_breach'])} ({breaches[0]['target']})")
    lines.append(f"Full report: {report_href(report)}")
    return "\n".join(lines)
