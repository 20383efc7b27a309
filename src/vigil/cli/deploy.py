"""`vigil deploy watch|smoke`: the checks scripts/deploy-blue-green.sh relies on."""

from __future__ import annotations

import json

import typer

from vigil.cli.common import OutputFormat, fail_usage

app = typer.Typer(help="Deployment checks: smoke test, watch after a switch.",
                  no_args_is_help=True)


@app.command("watch")
def watch(
    url: str = typer.Option(..., "--url", help="Base URL of the new release (its /metrics)."),
    minutes: float = typer.Option(10.0, "--minutes", min=0.0, help="How long to watch."),
    interval: float = typer.Option(30.0, "--interval", min=0.1, help="Seconds per window."),
    max_error_rate: float = typer.Option(0.05, "--max-error-rate", min=0.0, max=1.0,
                                         help="5xx share that breaches (runbook: 5 %)."),
    max_p95: float = typer.Option(2.0, "--max-p95", min=0.0,
                                  help="p95 latency in seconds that breaches (runbook: 2 s)."),
    breaches: int = typer.Option(2, "--breaches", min=1,
                                 help="Consecutive breaching windows that mean roll back."),
    min_requests: int = typer.Option(10, "--min-requests", min=1,
                                     help="Windows with fewer requests are not judged."),
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Watch error rate and p95 from /metrics; exit 1 (roll back) on a sustained breach."""
    import httpx

    from vigil.services.deploy_watch import Thresholds, Window
    from vigil.services.deploy_watch import watch as run_watch

    if not url.startswith(("http://", "https://")):
        fail_usage(f"--url {url!r}: give the base URL, e.g. http://127.0.0.1:8000")
    metrics_url = url.rstrip("/") + "/metrics"

    def fetch() -> str:
        response = httpx.get(metrics_url, timeout=10)
        response.raise_for_status()
        return response.text

    def show(window: Window) -> None:
        if output_format is OutputFormat.TABLE:
            rate = "-" if window.error_rate is None else f"{window.error_rate:.2%}"
            p95 = "-" if window.p95_seconds is None else f"{window.p95_seconds:.3f}s"
            state = "BREACH " + "; ".join(window.reasons) if window.breached else "ok"
            typer.echo(f"window: {window.requests:.0f} requests, errors {rate}, p95 {p95}: "
                       f"{state}")

    limits = Thresholds(max_error_rate, max_p95, breaches, min_requests)
    verdict = run_watch(fetch, minutes * 60, interval, limits, on_window=show)
    if output_format is OutputFormat.JSON:
        from dataclasses import asdict

        typer.echo(json.dumps(asdict(verdict), indent=2))
    else:
        typer.echo(("ROLLBACK: " if verdict.rollback else "KEEP: ") + verdict.reason)
    if verdict.rollback:
        raise typer.Exit(1)


@app.command("smoke")
def smoke(
    url: str = typer.Option(..., "--url", help="Base URL of the release to test."),
    key: str = typer.Option("", "--key", envvar="VIGIL_API_KEY",
                            help="A viewer key to test an authenticated call (or VIGIL_API_KEY)."),
) -> None:
    """Smoke test a running Vigil: /health, /ready, /metrics, auth; exit 1 on any failure."""
    import httpx

    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        fail_usage(f"--url {url!r}: give the base URL, e.g. http://127.0.0.1:8000")
    checks: list[tuple[str, str, dict[str, str], int, str]] = [
        ("liveness", "/health", {}, 200, ""),
        ("readiness", "/ready", {}, 200, ""),
        ("metrics", "/metrics", {}, 200, "vigil_http_requests_total"),
        ("auth required", "/api/v1/series", {}, 401, ""),
    ]
    if key:
        checks.append(("authenticated call", "/api/v1/series",
                       {"Authorization": f"Bearer {key}"}, 200, ""))
    failed = 0
    for name, path, headers, status, needle in checks:
        try:
            response = httpx.get(base + path, headers=headers, timeout=10)
            ok = response.status_code == status and needle in response.text
            detail = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, detail = False, str(exc) or type(exc).__name__
        failed += not ok
        typer.echo(f"{'ok  ' if ok else 'FAIL'} {name}: GET {path} -> {detail}")
    if failed:
        typer.echo(f"smoke test failed: {failed} of {len(checks)} checks", err=True)
        raise typer.Exit(1)
    typer.echo(f"smoke test passed: {len(checks)} checks")
