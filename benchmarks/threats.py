"""Benchmark: threat detection on real auth and web-scanner logs.

Evaluation (what Vigil finds): for each file in the folder (loghub OpenSSH_2k.log and
Linux_2k.log; apache-scans-{acunetix,netsparker,w3af}.log), the threats by type, the
top sources with their attempt counts, and the scanners recognised.

Speed (target >= 100,000 lines/s on one core): each corpus is replicated in memory to at
least --lines lines and parsed + evaluated end to end by one ThreatEngine (parse, correlate,
detect, finish), single-threaded. Replication repeats real lines; no per-target cache
exists, so repeated access-log lines cost the same as new ones (only the per-user-agent
and per-timestamp caches hit, as they would in production).

Prints one JSON object per result (name, figure, unit, notes).
Usage: .venv/bin/python benchmarks/threats.py /work/shared/data/logs [--lines 300000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from vigil.security.threats import ThreatEngine, summary

SSH_FILES = ("OpenSSH_2k.log", "Linux_2k.log")
WEB_FILES = ("apache-scans-acunetix.log", "apache-scans-netsparker.log", "apache-scans-w3af.log")


def machine() -> str:
    """Short machine description for the notes."""
    return f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}"


def emit(name: str, figure: float, unit: str, notes: object) -> None:
    """Print one result."""
    print(json.dumps({"name": name, "figure": figure, "unit": unit, "notes": notes}), flush=True)


def evaluate(path: Path) -> None:
    """Scan one real log and report what was found."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    reference = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    engine = ThreatEngine(reference=reference, keep_events=True)
    engine.feed_lines(lines)
    threats = engine.finish()
    failures = Counter(e.source_ip for e in engine.events)
    scanners: Counter[str] = Counter()
    for t in threats:
        for name in t.details.get("scanners", []):
            scanners[name] += 1
    top = [{"type": t.type, "source_ip": t.source_ip, "count": t.count,
            "priority": t.priority.value, "first_seen": t.first_seen.isoformat(),
            "last_seen": t.last_seen.isoformat()} for t in threats[:8]]
    emit(f"threats_found/{path.name}", len(threats), "threats", {
        "lines": engine.stats.lines, "unparseable": engine.stats.unparseable,
        "auth_failures_recognised": len(engine.events), "http_requests": engine.stats.http_events,
        "by_type": summary(threats)["by_type"], "by_priority": summary(threats)["by_priority"],
        "top_failure_sources": failures.most_common(5), "scanners_recognised": sorted(scanners),
        "top_threats": top})


def speed(name: str, paths: list[Path], target_lines: int) -> None:
    """Lines per second through the whole engine for a replicated corpus."""
    base: list[str] = []
    for p in paths:
        base.extend(p.read_text(encoding="utf-8", errors="replace").splitlines())
    copies = max(1, -(-target_lines // len(base)))
    lines = base * copies
    best = best_wall = 0.0
    for _ in range(3):
        engine = ThreatEngine(reference=datetime(2026, 11, 26, tzinfo=UTC))
        cpu, wall = time.process_time(), time.perf_counter()
        engine.feed_lines(lines)
        threats = engine.finish()
        best = max(best, len(lines) / (time.process_time() - cpu))
        best_wall = max(best_wall, len(lines) / (time.perf_counter() - wall))
    emit(f"throughput/{name}", round(best), "lines/s (CPU time)", {
        "lines": len(lines), "copies": copies, "files": [p.name for p in paths],
        "threats": len(threats), "best_of": 3, "single_thread": True,
        "wall_clock_lines_per_s": round(best_wall), "machine": machine(),
        "why_cpu_time": "the 2-core machine is shared; CPU time of the one thread is stable",
        "target": 100_000, "meets_target": best >= 100_000})


def main() -> int:
    """Run the evaluation and the throughput benchmark on a log folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--lines", type=int, default=300_000)
    args = parser.parse_args()
    missing = [f for f in SSH_FILES + WEB_FILES if not (args.folder / f).is_file()]
    if missing:
        print(f"error: missing in {args.folder}: {', '.join(missing)}", file=sys.stderr)
        return 2
    for f in SSH_FILES + WEB_FILES:
        evaluate(args.folder / f)
    speed("sshd", [args.folder / "OpenSSH_2k.log"], args.lines)
    speed("pam-syslog", [args.folder / "Linux_2k.log"], args.lines)
    speed("access-scanners", [args.folder / f for f in WEB_FILES], args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
