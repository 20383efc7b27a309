"""A small exporter process for the sources tests: `demo_load{app="shop"|"cart"}`, a noisy
one-minute wave computed from the clock, with an injected anomaly (400 for five
seconds) on app="shop" from the Unix time written in the control file, when there is one.

    python exporter.py PORT CONTROL_FILE
"""

from __future__ import annotations

import math
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SPIKE_SECONDS = 5.0


def load(t: float, app: str, spike_at: float | None) -> float:
    """The value of demo_load{app} at Unix time t."""
    if app == "shop" and spike_at is not None and spike_at <= t < spike_at + SPIKE_SECONDS:
        return 400.0
    noise = math.sin(t * 12.9898 + len(app)) * 43758.5453 % 1.0
    return 50.0 + 10.0 * math.sin(2 * math.pi * t / 60.0) + 2.0 * noise


def spike_time(control: Path) -> float | None:
    """The injected anomaly's start, if the control file says one."""
    try:
        return float(control.read_text().strip())
    except (OSError, ValueError):
        return None


def main() -> None:
    """Serve the metrics on 127.0.0.1:PORT until killed."""
    port, control = int(sys.argv[1]), Path(sys.argv[2])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            now, spike = time.time(), spike_time(control)
            body = "# TYPE demo_load gauge\n" + "".join(
                f'demo_load{{app="{app}"}} {load(now, app, spike)!r}\n'
                for app in ("shop", "cart"))
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
