"""A report as Markdown (for chat, tickets and terminals): the same numbers as the HTML,
tables instead of charts, each number linked to its API query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.analytics.formatting import duration, number, percent


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class _Doc:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.lines: list[str] = []

    def link(self, text: str, href: str) -> str:
        return f"[{_cell(text)}]({self.base}{href})"

    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.lines.append(f"**{caption}**")
        self.lines.append("")
        if not rows:
            self.lines += ["none", ""]
            return
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" for _ in header) + "|")
        self.lines += ["| " + " | ".join(row) + " |" for row in rows]
        self.lines.append("")


def _stats(doc: _Doc, name: str, s: Mapping[str, Any], href: str) -> list[str]:
    decided = s["targets_met"] + s["targets_missed"]
    return [_cell(name), doc.link(number(s["alerts"]), href),
            doc.link(duration(s["mtta_p50"]), href), doc.link(duration(s["mtta_p90"]), href),
            doc.link(duration(s["mttr_p50"]), href), doc.link(duration(s["mttr_p90"]), href),
            doc.link(f"{percent(s['target_share'])} ({s['targets_met']}/{decided})", href)]


_HEADER = ("", "alerts", "MTTA p50", "MTTA p90", "MTTR p50", "MTTR p90", "target met")


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as a Markdown document."""
    doc = _Doc(str(report.get("base_url") or ""))
    doc.lines += [f"# {report['title']}", "",
                  f"Period {report['period']['start']} to {report['period']['end']} (UTC).", ""]
    if "health" in report:
        doc.lines += ["## Daily health check", ""]
        doc.table("Runbook daily checks", ("check", "result", "detail"),
                  [[_cell(c["name"]), "ok" if c["ok"] else "**FAIL**",
                    doc.link(c["detail"], c["href"])] for c in report["health"]["checks"]])
    inc = report["incidents"]
    href = inc["href"]
    doc.lines += ["## Incidents and response targets", ""]
    doc.table("Per priority", _HEADER, [_stats(doc, "all", inc["total"], href)] +
              [_stats(doc, p, s, href) for p, s in inc["by_priority"].items()])
    doc.table("Per service", _HEADER, [_stats(doc, k, s, href)
                                       for k, s in inc["by_service"].items()])
    if len(inc["by_week"]) > 1:
        doc.table("Per week", _HEADER, [_stats(doc, k, s, href)
                                        for k, s in inc["by_week"].items()])
    doc.table("Escalation levels reached", ("level", "alerts"),
              [[k, doc.link(number(n), href)] for k, n in inc["escalation_levels"].items()])
    after = inc["after_hours"]
    doc.table("Pages per on-call person", ("person", "pages", "after hours"),
              [[_cell(p), doc.link(number(n), href),
                doc.link(number(after["per_person"].get(p, 0)), href)]
               for p, n in inc["pages_per_person"].items()])
    doc.lines += [f"Pages: {doc.link(number(inc['pages']), href)}, after hours: "
                  f"{doc.link(number(after['pages']), href)} ({percent(after['share'])}).", ""]
    noise = report["noise"]
    href = noise["href"]
    doc.lines += ["## Noise", "",
                  f"{doc.link(number(noise['alerts']), href)} alerts, "
                  f"{doc.link(number(noise['flapping']), href)} flapping "
                  f"({percent(noise['flapping_share'])}); "
                  f"{doc.link(number(noise['anomalies']), href)} anomalies, "
                  f"{doc.link(number(noise['series_over_budget']), href)} series over budget.", ""]
    for key, caption in (("rules", "Noisiest rules"), ("sources", "Noisiest alert sources")):
        doc.table(caption, ("name", "alerts", "per week", "flapping share"),
                  [[_cell(r["name"]), doc.link(number(r["alerts"]), href),
                    doc.link(f"{r['per_week']:.1f}", href),
                    doc.link(percent(r["flapping_share"]), href)] for r in noise[key]])
    doc.table("Series over their alert budget", ("series", "anomalies", "budget"),
              [[_cell(r["series"]), doc.link(number(r["anomalies"]), href), f"{r['budget']:.2g}"]
               for r in noise["over_budget"]])
    quality = report["quality"]
    href = quality["href"]
    doc.lines += ["## Model quality", ""]
    doc.table("Feedback on anomalies", ("period", "anomalies", "labelled", "accuracy",
                                        "false-positive rate"),
              [[_cell(r["period"]), doc.link(number(r["anomalies"]), href),
                doc.link(number(r["labelled"]), href), doc.link(percent(r["accuracy"]), href),
                doc.link(percent(r["false_positive_rate"]), href)]
               for r in quality["over_time"]])
    dq = quality["data_quality"]
    doc.lines += [f"Data quality: {doc.link(number(dq['series_scored']), href)} series, mean "
                  f"{doc.link(number(dq['mean_score']), href)}, "
                  f"{doc.link(number(dq['below_threshold']), href)} below {dq['threshold']}.", ""]
    sec = report["security"]
    href = sec["href"]
    doc.lines += ["## Security", ""]
    doc.table("Vulnerability findings", ("severity", "new", "fixed", "open", "mean time to fix"),
              [[f["severity"], doc.link(number(f["new"]), href),
                doc.link(number(f["fixed"]), href), doc.link(number(f["open"]), href),
                doc.link(duration(f["mean_time_to_fix"]), href)] for f in sec["findings"]])
    for key, caption in (("threats_by_type", "Threats by type"),
                         ("threats_by_source", "Threats by log source")):
        doc.table(caption, ("", "threats"),
                  [[_cell(k), doc.link(number(n), href)] for k, n in sec[key].items()])
    cap = report["capacity"]
    href = cap["href"]
    doc.lines += ["## Capacity", ""]
    doc.table("Predicted breaches", ("target", "series", "probability", "breach in"),
              [[_cell(b["target"]), str(b["series_id"]), doc.link(percent(b["probability"]), href),
                doc.link(duration(b["seconds_to_breach"]), href)]
               for b in cap["predicted_breaches"]])
    doc.table("Autoscaling recommendations", ("target", "min", "max", "last"),
              [[_cell(s["target"]), doc.link(number(s["min_replicas"]), href),
                doc.link(number(s["max_replicas"]), href),
                doc.link(number(s["last_replicas"]), href)] for s in cap["scaling"]])
    return "\n".join(doc.lines).rstrip() + "\n"
