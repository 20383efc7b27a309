"""`vigil threats scan --follow` as a real process: new bursts are reported while it runs."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def test_follow_reports_a_burst_appended_while_running(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Jan  1 00:00:00 h sshd[1]: Connection closed by 192.0.2.1 port 2\n")
    env = {**os.environ, "VIGIL_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli.main", "threats", "scan", "--follow", str(log),
         "--interval", "0.3", "--format", "json", "--year", "2025"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(1.0)
        with log.open("a") as fh:
            for i in range(6):
                fh.write(f"Jan  1 00:01:0{i} h sshd[{10 + i}]: Failed password for root from "
                         f"203.0.113.9 port {100 + i} ssh2\n")
        lines: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        threading.Thread(target=lambda: lines.put(proc.stdout.readline()),  # type: ignore[union-attr]
                         daemon=True).start()
        threat = json.loads(lines.get(timeout=20))
        assert (threat["type"], threat["source_ip"], threat["count"]) == (
            "ssh_brute_force", "203.0.113.9", 6)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
