"""`--follow` reading across log rotation, and the security_threats_detected metric."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from vigil.services import threats as service
from vigil.telemetry.threat_metrics import THREATS_DETECTED  # noqa: F401 - registers it


def test_follow_reads_appended_lines_across_rotation(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("line 1\n")
    seen: list[str] = []
    done = threading.Event()

    def writer() -> None:
        time.sleep(0.2)
        with log.open("a") as fh:
            fh.write("line 2\npartial")
        time.sleep(0.2)
        with log.open("a") as fh:
            fh.write(" end\n")
        time.sleep(0.2)
        os.rename(log, tmp_path / "auth.log.1")  # logrotate: move, then create anew
        log.write_text("line 4\n")
        deadline = time.monotonic() + 10
        while len(seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    for line in service.follow([log], poll=0.05, stop=done.is_set):
        seen.append(line.rstrip("\n"))
    thread.join()
    assert seen == ["line 1", "line 2", "partial end", "line 4"]


def test_reported_threats_are_counted_by_type_and_priority() -> None:
    fixtures = Path(__file__).parents[2] / "fixtures" / "threats"

    def value() -> float:
        got = REGISTRY.get_sample_value("security_threats_detected_total",
                                        {"type": "http_credential_stuffing", "priority": "P2"})
        return got or 0.0

    before = value()
    result = service.scan_files([fixtures / "access.log"], service.ThreatsConfig())
    service.report_threats(result.threats, "test")
    assert value() == before + 1


def test_response_is_applied_only_when_configured(tmp_path: Path) -> None:
    fixtures = Path(__file__).parents[2] / "fixtures" / "threats"
    result = service.scan_files([fixtures / "access.log"], service.ThreatsConfig())
    deny = tmp_path / "deny.conf"
    off = service.ThreatsConfig.model_validate({"response": {"nginx_deny_file": str(deny)}})
    assert service.apply_response(off, result.threats) is None and not deny.exists()
    on = service.ThreatsConfig.model_validate(
        {"response": {"apply": True, "nginx_deny_file": str(deny), "min_priority": "P2"}})
    assert service.apply_response(on, result.threats) == deny
    entries = [ln for ln in deny.read_text().splitlines() if ln.startswith("deny")]
    # P2 threats (stuffing, injections) are denied; the P3-only scanner 192.0.2.10 is not.
    assert entries == ["deny 192.0.2.30;", "deny 192.0.2.20;"]


def test_rotated_gzip_logs_are_scanned(tmp_path: Path) -> None:
    import gzip

    fixtures = Path(__file__).parents[2] / "fixtures" / "threats"
    packed = tmp_path / "auth.log.2.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write((fixtures / "repeated.log").read_text())
    result = service.scan_files([packed], service.ThreatsConfig(), keep_events=True)
    assert len(result.events) == 6
    assert [t.type for t in result.threats] == ["ssh_brute_force"]
    broken = tmp_path / "broken.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(service.InputError, match=r"broken\.gz"):
        service.scan_files([broken], service.ThreatsConfig())
