"""A report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts and
no external resources (it works in email and offline). Every number links to the API
query that produced it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from vigil.analytics.charts import bar_chart, grouped_bar_chart, line_chart
from vigil.analytics.formatting import duration, number, percent

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5rem;color:#1b1b1b;
max-width:60rem;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:2px solid #1f5fa8;padding-bottom:.2rem;
margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#eef2f7}
a{color:#0b4f9c}.ok{color:#1e6b30;font-weight:bold}.fail{color:#a3182b;font-weight:bold}
.meta{color:#555;font-size:.9rem}svg{max-width:100%;height:auto;display:block;margin:.5rem 0}
"""

Cell = str


class _Page:
    """Collects the HTML of one report; numbers become links to their API query."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.parts: list[str] = []

    def link(self, text: str, href: str) -> Cell:
        """A number linked to the query that produced it."""
        return f'<a href="{escape(self.base + href)}">{escape(text)}</a>'

    def add(self, html: str) -> None:
        self.parts.append(html)

    def heading(self, text: str) -> None:
        self.add(f"<h2>{escape(text)}</h2>")

    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """A table whose cells are already HTML (escaped or links)."""
        if not rows:
            self.add(f"<p>{escape(caption)}: none.</p>")
            return
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
        self.add(f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
                 f"<tbody>{body}</tbody></table>")


def _stats_row(page: _Page, name: str, s: Mapping[str, Any], href: str) -> list[Cell]:
    link: Callable[[str], Cell] = lambda text: page.link(text, href)  # noqa: E731
    return [escape(name), link(number(s["alerts"])), link(duration(s["mtta_p50"])),
            link(duration(s["mtta_p90"])), link(duration(s["mttr_p50"])),
            link(duration(s["mttr_p90"])),
            link(f"{percent(s['target_share'])} ({s['targets_met']}/"
                 f"{s['targets_met'] + s['targets_missed']})"),
            link(number(s["targets_pending"]))]


_STATS_HEADER = ("", "alerts", "MTTA p50", "MTTA p90", "MTTR p50", "MTTR p90",
                 "response target met", "pending")


def _health(page: _Page, health: Mapping[str, Any]) -> None:
    page.heading("Daily health check")
    rows = []
    for check in health["checks"]:
        mark = '<span class="ok">ok</span>' if check["ok"] else '<span class="fail">FAIL</span>'
        rows.append([escape(check["name"]), mark, page.link(check["detail"], check["href"])])
    page.table("Runbook daily checks", ("check", "result", "detail"), rows)


def _incidents(page: _Page, inc: Mapping[str, Any]) -> None:
    href = inc["href"]
    page.heading("Incidents and response targets")
    total = inc["total"]
    rows = [_stats_row(page, "all", total, href)]
    rows += [_stats_row(page, p, s, href) for p, s in inc["by_priority"].items()]
    page.table("Per priority (targets: P1 5 min, P2 30 min, P3 2 h, P4 next business day "
               "unless configured otherwise)", _STATS_HEADER, rows)
    page.table("Per service", _STATS_HEADER,
               [_stats_row(page, k, s, href) for k, s in inc["by_service"].items()])
    weeks = inc["by_week"]
    if len(weeks) > 1:
        labels = list(weeks)
        page.add(line_chart("MTTA per week (minutes)", labels, {
            "p50": [_minutes(weeks[w]["mtta_p50"]) for w in labels],
            "p90": [_minutes(weeks[w]["mtta_p90"]) for w in labels]}))
        page.add(bar_chart("Response targets met per week (%)", {
            w: None if weeks[w]["target_share"] is None else weeks[w]["target_share"] * 100
            for w in labels}))
        page.table("Per week", _STATS_HEADER,
                   [_stats_row(page, k, s, href) for k, s in weeks.items()])
    by_priority = inc["by_priority"]
    if by_priority:
        page.add(bar_chart("Alerts per priority", {p: s["alerts"]
                                                   for p, s in by_priority.items()}))
    page.table("Escalation levels reached (alerts)", ("level", "alerts"),
               [[escape(level), page.link(number(n), href)]
                for level, n in inc["escalation_levels"].items()])
    after = inc["after_hours"]
    bh = inc["business_hours"]
    page.add(f"<p>Pages: {page.link(number(inc['pages']), href)}; after hours, i.e. "
             f"outside {escape(bh['start'])}–{escape(bh['end'])} "
             f"{escape(' '.join(bh['days']))} ({escape(bh['timezone'])}): "
             f"{page.link(number(after['pages']), href)} "
             f"({escape(percent(after['share']))}).</p>")
    people = inc["pages_per_person"]
    if people:
        page.add(grouped_bar_chart("Pages per on-call person", list(people), {
            "all": list(people.values()),
            "after hours": [after["per_person"].get(p, 0) for p in people]}))
        page.table("Pages per on-call person", ("person", "pages", "after hours"),
                   [[escape(p), page.link(number(n), href),
                     page.link(number(after["per_person"].get(p, 0)), href)]
                    for p, n in people.items()])


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _noise(page: _Page, noise: Mapping[str, Any]) -> None:
    href = noise["href"]
    page.heading("Noise")
    page.add(f"<p>{page.link(number(noise['alerts']), href)} alerts, of which "
             f"{page.link(number(noise['flapping']), href)} flapping "
             f"({escape(percent(noise['flapping_share']))}: resolved within "
             f"{escape(duration(noise['flapping_window_seconds']))} without acknowledgement). "
             f"{page.link(number(noise['anomalies']), href)} anomalies; "
             f"{page.link(number(noise['series_over_budget']), href)} series over their "
             f"alert budget ({escape(noise['budget_note'])}).</p>")
    for key, caption in (("rules", "Noisiest rules"), ("sources", "Noisiest alert sources")):
        page.table(caption, ("name", "alerts", "per week", "flapping", "flapping share"),
                   [[escape(r["name"]), page.link(number(r["alerts"]), href),
                     page.link(f"{r['per_week']:.1f}", href),
                     page.link(number(r["flapping"]), href),
                     page.link(percent(r["flapping_share"]), href)] for r in noise[key]])
    page.table("Series over their alert budget", ("series", "anomalies", "budget", "× budget"),
               [[escape(r["series"]), page.link(number(r["anomalies"]), href),
                 escape(f"{r['budget']:.2g}"), page.link(f"{r['ratio']:.1f}", href)]
                for r in noise["over_budget"]])


def _quality(page: _Page, quality: Mapping[str, Any]) -> None:
    href = quality["href"]
    page.heading("Model quality")
    rows = quality["over_time"]
    if len(rows) > 1:
        page.add(line_chart("Accuracy and false-positive rate (%) from feedback",
                            [r["period"] for r in rows], {
                                "accuracy": [None if r["accuracy"] is None
                                             else r["accuracy"] * 100 for r in rows],
                                "false-positive rate": [None if r["false_positive_rate"] is None
                                                        else r["false_positive_rate"] * 100
                                                        for r in rows]}))
        page.add(bar_chart("Anomalies per week", {r["period"]: r["anomalies"] for r in rows}))
    page.table("Feedback on anomalies and retraining", (
        "period", "anomalies", "labelled", "accuracy", "false-positive rate", "models trained",
        "promoted"),
        [[escape(r["period"]), page.link(number(r["anomalies"]), href),
          page.link(number(r["labelled"]), href), page.link(percent(r["accuracy"]), href),
          page.link(percent(r["false_positive_rate"]), href),
          page.link(number(r["models_trained"]), href),
          page.link(number(r["models_promoted"]), href)] for r in rows])
    dq = quality["data_quality"]
    page.add(f"<p>Data quality (latest scores): {page.link(number(dq['series_scored']), href)}"
             f" series scored, mean {page.link(number(dq['mean_score']), href)}, "
             f"{page.link(number(dq['below_threshold']), href)} below "
             f"{escape(str(dq['threshold']))}.</p>")


def _security(page: _Page, sec: Mapping[str, Any]) -> None:
    href = sec["href"]
    page.heading("Security")
    findings = sec["findings"]
    page.add(grouped_bar_chart("Findings by severity", [f["severity"] for f in findings], {
        "new": [f["new"] for f in findings], "fixed": [f["fixed"] for f in findings],
        "open": [f["open"] for f in findings]}))
    by_day = sec.get("by_day") or []
    if by_day:
        levels = [f["severity"] for f in findings
                  if any(d["present"].get(f["severity"]) for d in by_day)]
        page.add(line_chart("Open findings per day by severity", [d["day"][5:] for d in by_day],
                            {lv: [d["present"].get(lv, 0) for d in by_day] for lv in levels}))
    page.table("Vulnerability findings", ("severity", "new", "fixed", "open at end",
                                          "mean time to fix"),
               [[escape(f["severity"]), page.link(number(f["new"]), href),
                 page.link(number(f["fixed"]), href), page.link(number(f["open"]), href),
                 page.link(duration(f["mean_time_to_fix"]), href)] for f in findings])
    for key, caption in (("threats_by_type", "Threats by type"),
                         ("threats_by_source", "Threats by log source"),
                         ("top_source_ips", "Top threat source addresses")):
        page.table(caption, ("", "threats"),
                   [[escape(k), page.link(number(n), href)] for k, n in sec[key].items()])


def _capacity(page: _Page, cap: Mapping[str, Any]) -> None:
    href = cap["href"]
    page.heading("Capacity")
    page.table("Predicted breaches (active now)", ("target", "series", "priority",
                                                   "probability", "breach in"),
               [[escape(b["target"]), escape(str(b["series_id"])), escape(b["priority"] or "–"),
                 page.link(percent(b["probability"]), href),
                 page.link(duration(b["seconds_to_breach"]), href)]
                for b in cap["predicted_breaches"]])
    page.table("Autoscaling recommendations", ("target", "recommendations", "min", "max",
                                               "last", "fallbacks"),
               [[escape(s["target"]), page.link(number(s["recommendations"]), href),
                 page.link(number(s["min_replicas"]), href),
                 page.link(number(s["max_replicas"]), href),
                 page.link(number(s["last_replicas"]), href),
                 page.link(number(s["fallbacks"]), href)] for s in cap["scaling"]])


def render_html(report: Mapping[str, Any]) -> str:
    """The report as a standalone HTML document."""
    page = _Page(str(report.get("base_url") or ""))
    title = str(report["title"])
    page.add(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">'
             f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
             f"<h1>{escape(title)}</h1>"
             f'<p class="meta">Period {escape(report["period"]["start"])} to '
             f'{escape(report["period"]["end"])} (UTC); generated '
             f'{escape(report["generated_at"])}. Each number links to the API query that '
             "produced it.</p>")
    if "health" in report:
        _health(page, report["health"])
    _incidents(page, report["incidents"])
    _noise(page, report["noise"])
    _quality(page, report["quality"])
    _security(page, report["security"])
    _capacity(page, report["capacity"])
    page.add("</body></html>")
    return "".join(page.parts)
