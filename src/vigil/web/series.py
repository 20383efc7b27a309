"""The series explorer: search by name and labels; one series as a chart with its expected
band and anomalies, and feedback buttons on each anomaly."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil.config import OperatorConfig
from vigil.core.types import MAX_ID
from vigil.services import console_series
from vigil.services import feedback as feedback_svc
from vigil.services.console_series import SeriesChart
from vigil.services.console_sessions import ConsoleSession
from vigil.web.session import PageNotFound, database, page_session, write_session
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
WINDOWS = {"6h": 6, "24h": 24, "7d": 24 * 7, "30d": 24 * 30}


@router.get("/series", response_class=HTMLResponse)
def series_search(request: Request, q: str = Query("", max_length=255),
                  labels: str = Query("", max_length=1024),
                  session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """Series whose name contains `q` and that carry the `labels` (key=value, ...)."""
    error = None
    results = []
    try:
        filters = console_series.parse_label_filters(labels)
        results = console_series.search(database(request), q, filters, 200)
    except ValueError as exc:
        error = str(exc)
    return render(request, "series_list.html",
                  {"q": q, "labels_text": labels, "results": results, "error": error},
                  session, 422 if error else 200)


def _chart_json(chart: SeriesChart) -> str:
    """The chart's data for the page's script: aligned columns, anomalies at their points."""
    index = {t: i for i, t in enumerate(chart.timestamps)}
    marks: list[float | None] = [None] * len(chart.timestamps)
    for a in chart.anomalies:
        i = index.get(a.timestamp.timestamp())
        if i is not None and math.isfinite(a.value):
            marks[i] = a.value
    data: dict[str, Any] = {"series": chart.series.name, "ts": chart.timestamps,
                            "values": chart.values, "lower": chart.lower, "upper": chart.upper,
                            "anomalies": marks, "anomaly_count": sum(m is not None for m in marks)}
    # Safe inside <script type="application/json">: no "</" can close the element.
    return json.dumps(data, allow_nan=False).replace("</", "<\\/")


@router.get("/series/{series_id}", response_class=HTMLResponse)
def series_page(request: Request, series_id: int = Path(ge=1, le=MAX_ID),
                window: str = Query("24h"), done: str = Query("", max_length=64),
                session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """One series: chart with the expected band and anomalies, and the anomalies' feedback."""
    config: OperatorConfig = request.app.state.config
    hours = WINDOWS.get(window, 24)
    chart = console_series.series_chart(database(request), series_id, timedelta(hours=hours),
                                        config.detection)
    if chart is None:
        raise PageNotFound(f"there is no series {series_id}")
    return render(request, "series_detail.html",
                  {"chart": chart, "chart_json": _chart_json(chart), "windows": list(WINDOWS),
                   "window": window if window in WINDOWS else "24h", "done": done,
                   "error": ""}, session)


@router.post("/anomalies/{anomaly_id}/feedback")
def anomaly_feedback(request: Request, anomaly_id: int = Path(ge=1, le=MAX_ID),
                     verdict: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Label an anomaly a true or false positive (the feedback service the API uses)."""
    session = write_session(request, csrf_token)
    if verdict not in ("true", "false"):
        raise PageNotFound("the verdict must be true or false")
    try:
        feedback = feedback_svc.label_anomaly(database(request), anomaly_id, verdict == "true",
                                   session.principal.name, datetime.now(UTC))
    except feedback_svc.NotFound as exc:
        raise PageNotFound(str(exc)) from None
    word = "real" if verdict == "true" else "false-alarm"
    return RedirectResponse(f"/series/{feedback.series_id}?done={word}#anomaly-{anomaly_id}",
                            status_code=303)
