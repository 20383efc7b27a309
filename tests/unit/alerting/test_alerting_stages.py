"""Each stage of the one notification pipeline alone: mute, back-off, acknowledged, notify,
record; the muter; the back-off; and the shape of the group and page pipelines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from vigil.alerting.inhibition import InhibitRule
from vigil.alerting.matchers import parse_matchers
from vigil.alerting.muting import Mutes, mutes_now
from vigil.alerting.pipeline import (
    AcknowledgedStage,
    BackoffStage,
    Context,
    DedupStage,
    Failure,
    MuteStage,
    Notice,
    NotifyStage,
    RecordStage,
    WaitStage,
    group_stages,
    page_stages,
    run_pipeline,
)
from vigil.alerting.retry import Backoff, DeliveryError
from vigil.alerting.silences import MaintenanceWindow, Silence

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def notice(fp: str, status: str = "firing") -> Notice:
    return Notice(1, fp, status, {"alertname": fp}, {}, NOW - timedelta(minutes=1),
                  None if status == "firing" else NOW, "P2")


def fps(notices: Sequence[Notice]) -> list[str]:
    return [n.fingerprint for n in notices]


def never_sent(ctx: Context, notices: Sequence[Notice]) -> None:
    raise AssertionError("must not send")


def test_mutes_name_one_reason_inhibition_first() -> None:
    mutes = Mutes(inhibited={"a": "src"}, maintenance={"a": ["db"], "b": ["db"]},
                  silenced={"b": [1], "c": [2]})
    assert [mutes.reason(fp) for fp in "abcd"] == ["inhibited", "maintenance", "silenced", None]


def test_mutes_now_reads_inhibition_windows_and_silences() -> None:
    firing = {"crit": {"alertname": "X", "severity": "critical", "host": "a"},
              "warn": {"alertname": "X", "severity": "warning", "host": "a"},
              "db": {"alertname": "Y", "severity": "warning", "host": "db"},
              "sil": {"alertname": "Z", "severity": "warning", "host": "c"}}
    rule = InhibitRule(parse_matchers(['severity="critical"']),
                       parse_matchers(['severity="warning"']), ("alertname", "host"))
    window = MaintenanceWindow("patch", parse_matchers(['host="db"']), NOW,
                               NOW + timedelta(hours=1))
    silence = Silence(9, parse_matchers(['alertname="Z"']), NOW, NOW + timedelta(hours=1),
                      "op", "")
    mutes = mutes_now([rule], [window], [silence], firing, NOW)
    assert {fp: mutes.reason(fp) for fp in firing} == {
        "crit": None, "warn": "inhibited", "db": "maintenance", "sil": "silenced"}
    later = mutes_now([rule], [window], [silence], firing, NOW + timedelta(hours=1))
    assert later.reason("db") is None and later.reason("sil") is None


def test_mute_stage_keeps_resolved_notices_of_muted_alerts() -> None:
    ctx = Context("r", "g", NOW)
    out = MuteStage(Mutes(silenced={"a": [1]})).process(
        ctx, [notice("a"), notice("a", "resolved"), notice("b")])
    assert [(n.fingerprint, n.status) for n in out] == [("a", "resolved"), ("b", "firing")]
    assert ctx.dropped == {"a": "silenced"}


def test_backoff_grows_exponentially_up_to_its_maximum() -> None:
    backoff = Backoff(initial=timedelta(seconds=15), factor=2.0, maximum=timedelta(minutes=1))
    assert [backoff.delay(n).total_seconds() for n in range(6)] == [0, 15, 30, 60, 60, 60]
    assert backoff.delay(10_000) == timedelta(minutes=1)  # no overflow after a long outage


def test_backoff_stage_holds_until_the_delay_after_the_last_failure() -> None:
    stage = BackoffStage(Backoff(initial=timedelta(seconds=60)))
    failed = Context("r", "g", NOW, last_failure=Failure(NOW - timedelta(seconds=30), 1))
    assert stage.process(failed, [notice("a")]) == []
    due = Context("r", "g", NOW, last_failure=Failure(NOW - timedelta(seconds=60), 1))
    assert fps(stage.process(due, [notice("a")])) == ["a"]
    twice = Context("r", "g", NOW, last_failure=Failure(NOW - timedelta(seconds=60), 2))
    assert stage.process(twice, [notice("a")]) == []  # two failures: 120 s
    assert fps(stage.process(Context("r", "g", NOW), [notice("a")])) == ["a"]


def test_backoff_stage_holds_every_delivery_to_a_receiver_down_this_cycle() -> None:
    stage = BackoffStage(Backoff(), down={"pager"})
    assert stage.process(Context("pager", "g", NOW), [notice("a")]) == []
    assert fps(stage.process(Context("hook", "g", NOW), [notice("a")])) == ["a"]


def test_acknowledged_stage_drops_pages_of_alerts_changed_meanwhile() -> None:
    ctx = Context("pager", "page/1/0/0", NOW, kind="page")
    stage = AcknowledgedStage(lambda n: n.fingerprint != "acked")
    assert fps(stage.process(ctx, [notice("acked"), notice("open")])) == ["open"]
    assert ctx.dropped == {"acked": "acknowledged"}


def test_notify_stage_makes_one_attempt_counting_the_failures_before_it() -> None:
    sent: list[list[str]] = []

    def send(ctx: Context, notices: Sequence[Notice]) -> None:
        sent.append(fps(notices))
        if ctx.last_failure is None:
            raise DeliveryError("HTTP 503")

    first = Context("r", "g", NOW)
    NotifyStage(send).process(first, [notice("a")])
    assert first.outcome is not None and (first.outcome.attempts, first.outcome.error) == (
        1, "HTTP 503")
    retry = Context("r", "g", NOW, last_failure=Failure(NOW - timedelta(minutes=1), 3))
    NotifyStage(send).process(retry, [notice("a")])
    assert retry.outcome is not None and retry.outcome.ok and retry.outcome.attempts == 4
    assert sent == [["a"], ["a"]]


def test_notify_stage_leaves_out_resolved_notices_the_receiver_does_not_want() -> None:
    sent: list[list[str]] = []
    ctx = Context("r", "g", NOW, send_resolved=False)
    NotifyStage(lambda c, n: sent.append(fps(n))).process(ctx, [notice("a", "resolved")])
    assert sent == [] and ctx.outcome is not None and ctx.outcome.attempts == 0


def test_record_stage_hands_the_outcome_to_the_log() -> None:
    logged: list[tuple[str, list[str]]] = []
    ctx = Context("r", "g", NOW)
    out = RecordStage(lambda c, n: logged.append((c.group_key, fps(n)))).process(
        ctx, [notice("a")])
    assert fps(out) == ["a"] and logged == [("g", ["a"])]


def test_group_and_page_pipelines_are_built_from_the_same_stages() -> None:
    group = group_stages(Mutes(), Backoff(), (), never_sent, lambda c, n: None)
    page = page_stages(Mutes(), Backoff(), (), lambda n: True, never_sent, lambda c, n: None)
    assert [type(s) for s in group] == [MuteStage, WaitStage, DedupStage, BackoffStage,
                                       NotifyStage, RecordStage]
    assert [type(s) for s in page] == [MuteStage, BackoffStage, AcknowledgedStage,
                                      NotifyStage, RecordStage]


def test_a_muted_page_is_neither_sent_nor_recorded() -> None:
    recorded: list[str] = []
    stages = page_stages(Mutes(inhibited={"a": "src"}), Backoff(), (), lambda n: True,
                         never_sent, lambda c, n: recorded.extend(fps(n)))
    ctx = Context("pager", "page/1/0/0", NOW, kind="page")
    assert run_pipeline(stages, ctx, [notice("a")]) == []
    assert recorded == [] and ctx.outcome is None
