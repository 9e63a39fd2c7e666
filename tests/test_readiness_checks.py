"""readiness.check()/acheck(), health() and ready() against the emulator, and what they say
when handed the other flavour of client or a key too short to mask."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider

from maintainx_sdk import AsyncMaintainX, ConfigurationError, MaintainX, RetryPolicy, readiness
from maintainx_sdk.observability import OpenTelemetryObserver, configure_logging
from maintainx_sdk.readiness import ReadinessReport
from maintainx_sdk.testing import Emulator
from tests.conftest import TEST_KEY
from tests.helpers.closed_port import closed_port

MULTI_KEY = "multi-org-key-0123456789"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(api_key=TEST_KEY, rate_limit="100/60", org_rate_limit=None, webhook_mode="sync")
    emu.add_token(MULTI_KEY, org_ids=(1, 2))
    yield emu
    emu.close()


def _emu_client(emulator: Emulator, **kw: Any) -> MaintainX:
    otel = OpenTelemetryObserver(tracer_provider=TracerProvider(), meter_provider=MeterProvider())
    kw.setdefault("api_key", TEST_KEY)
    return MaintainX(transport=emulator.transport(), observers=[otel], **kw)


@pytest.fixture
def json_logs() -> Iterator[None]:
    import io

    handler = configure_logging(logging.INFO, stream=io.StringIO())
    yield
    logger = logging.getLogger("maintainx_sdk")
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def _spend_quota(emulator: Emulator, requests: int) -> None:
    """Another process on the same key: ``requests`` calls out of this window's quota."""
    auth = {"authorization": f"Bearer {TEST_KEY}"}
    for _ in range(requests):
        answer = emulator.handle(
            httpx.Request("GET", "http://emulator.test/v1/users", headers=auth)
        )
        assert answer.status_code == 200


def _status(report: ReadinessReport) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def test_healthy_setup_passes_every_p0(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, json_logs: None
) -> None:
    monkeypatch.setenv("MAINTAINX_API_KEY", TEST_KEY)
    with _emu_client(emulator, api_key=None) as mx:
        report = readiness.check(mx, replicas=1)
    status = _status(report)
    assert report.ok
    p0 = [c for c in report.checks if c.priority == "P0"]
    assert not [c.id for c in p0 if c.status in ("fail", "warn")]
    for cid in ("secrets.api_key", "auth.key_valid", "auth.organization", "health.api_reachable",
                "health.rate_limit", "logging.json", "logging.redaction", "metrics.opentelemetry",
                "retry.timeout", "pagination.page_size"):  # fmt: skip
        assert status[cid] == "pass", cid
    assert report.get("health.rate_limit").data["limit"] == 100


def test_bad_key_fails_p0_with_a_fix(emulator: Emulator) -> None:
    with _emu_client(emulator, api_key="wrong-key-0123456789") as mx:
        report = readiness.check(mx)
    assert not report.ok
    key = report.get("auth.key_valid")
    assert key.status == "fail" and "401" in key.evidence and "API Keys" in key.fix
    assert report.get("health.api_reachable").status == "pass"
    assert report.get("auth.organization").status == "skip"


@pytest.mark.parametrize(
    "answer",
    [
        {"html": "<html><body>Sign in</body></html>"},  # the web app, a proxy's portal
        {"json": {"ok": True}},  # JSON, but not the users list
    ],
)
def test_a_200_that_is_not_the_apis_answer_fails_the_key_check(answer: dict[str, Any]) -> None:
    """MAINTAINX_BASE_URL pointing at a web page (the web app, a proxy's sign-in page) answers
    200 to anything: the gate must not say the key is valid."""
    with MaintainX(
        api_key=TEST_KEY,
        base_url="https://app.example.test/v1",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, **answer)),
    ) as mx:
        report = readiness.check(mx)
    key = report.get("auth.key_valid")
    assert key.status == "fail" and "MAINTAINX_BASE_URL" in key.fix
    assert not report.ok


def test_unreachable_api_fails_with_a_fix() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    with MaintainX(api_key=TEST_KEY, base_url=url) as mx:
        report = readiness.check(mx, probe_timeout=2)
    assert not report.ok
    reach = report.get("health.api_reachable")
    assert reach.status == "fail"
    assert url in reach.evidence and "MAINTAINX_BASE_URL" in reach.fix
    assert report.get("auth.key_valid").status == "skip"


def test_missing_key_fails_p0_and_skips_what_needs_a_client() -> None:
    report = readiness.check()
    assert not report.ok
    key = report.get("secrets.api_key")
    assert key.status == "fail" and "MAINTAINX_API_KEY" in key.fix
    assert report.get("auth.key_valid").status == "skip"
    assert report.get("retry.timeout").status == "skip"


def test_multi_org_token_without_org_fails(emulator: Emulator) -> None:
    with _emu_client(emulator, api_key=MULTI_KEY) as mx:
        report = readiness.check(mx)
    org = report.get("auth.organization")
    assert org.status == "fail" and "MAINTAINX_ORGANIZATION_ID" in org.fix
    assert report.get("auth.key_valid").status == "pass"
    assert not report.ok
    with _emu_client(emulator, api_key=MULTI_KEY, organization_id=2) as mx:
        assert readiness.check(mx).get("auth.organization").status == "pass"


def test_multi_org_listing_names_the_organizations(emulator: Emulator) -> None:
    emulator.add_token(TEST_KEY, org_ids=(11, 12))
    with _emu_client(emulator) as mx:
        org = readiness.check(mx).get("auth.organization")
    assert org.status == "fail" and org.data["organizations"] == [11, 12]


@pytest.mark.parametrize(("remaining", "expected"), [(0, "fail"), (5, "warn"), (50, "pass")])
def test_rate_limit_headroom(emulator: Emulator, remaining: int, expected: str) -> None:
    _spend_quota(emulator, 100 - 1 - remaining)  # the probe takes one more of the 100
    with _emu_client(emulator) as mx:
        headroom = readiness.check(mx).get("health.rate_limit")
    assert headroom.data["remaining"] == remaining
    assert headroom.status == expected


def test_live_false_makes_no_request(emulator: Emulator) -> None:
    with _emu_client(emulator) as mx:
        report = readiness.check(mx, live=False)
    assert emulator.counters.requests == 0
    assert report.get("auth.key_valid").status == "skip"


def test_alert_thresholds_from_client_stats(emulator: Emulator) -> None:
    with _emu_client(
        emulator, retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.002)
    ) as mx:
        for _ in range(19):
            mx.request("GET", "/users")
        emulator.faults.script("GET", "/users", [503] * 4)  # two calls, two attempts each
        for _ in range(2):
            with pytest.raises(Exception):  # noqa: B017 - any typed SDK error
                mx.request("GET", "/users")
        mx.stats_observer.sync_lag_observed(16 * 60)
        report = readiness.check(mx, live=False)
    rate = report.get("alerts.error_rate")
    assert rate.status == "fail" and "2 of the last 21" in rate.evidence
    assert report.get("alerts.sync_lag").status == "fail"
    assert report.get("alerts.latency_p95").status == "pass"
    assert report.ok  # alerts are P1: they page someone, they do not block a deploy


def test_telemetry_off_fails_metrics_and_warns_audit(emulator: Emulator) -> None:
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport(), telemetry=False) as mx:
        report = readiness.check(mx, live=False)
    assert report.get("metrics.opentelemetry").status == "fail"
    assert report.get("logging.audit").status == "warn"


def test_webhook_secret_needed_when_webhooks_are_used(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _emu_client(emulator) as mx:
        assert readiness.check(mx, live=False).get("secrets.webhook").status == "skip"
        assert (
            readiness.check(mx, live=False, webhooks=True).get("secrets.webhook").status == "fail"
        )
        monkeypatch.setenv("MAINTAINX_WEBHOOK_SECRET", "whsec-abcdefgh")
        assert (
            readiness.check(mx, live=False, webhooks=True).get("secrets.webhook").status == "pass"
        )


def test_store_persistence_checks_warn_on_memory_unless_single_replica(
    emulator: Emulator,
) -> None:
    class MemoryCheckpointStore:
        pass

    class SQLiteCheckpointStore:
        pass

    class Sync:
        store = MemoryCheckpointStore()

    with _emu_client(emulator) as mx:
        assert readiness.check(mx, live=False, sync=Sync()).get("sync.state").status == "warn"
        one = readiness.check(mx, live=False, sync=Sync(), replicas=1)
        assert one.get("sync.state").status == "pass"
        sql = readiness.check(mx, live=False, sync=SQLiteCheckpointStore())
        assert sql.get("sync.state").status == "pass"


def test_report_json_and_table_never_show_the_key(emulator: Emulator, tmp_path: Any) -> None:
    (tmp_path / "settings.py").write_text(f'MAINTAINX_API_KEY = "{TEST_KEY}"\n')
    with _emu_client(emulator, api_key=TEST_KEY) as mx:
        report = readiness.check(mx, project_dir=tmp_path)
    text = report.to_json() + report.render_table() + str(readiness.ready(mx, report=report))
    assert report.get("secrets.files").status == "fail"
    assert "settings.py:1" in text
    assert TEST_KEY not in text
    parsed = json.loads(report.to_json())
    assert parsed["ok"] is False and {c["id"] for c in parsed["checks"]} == set(_status(report))


def test_table_lists_p0_first_with_fixes_and_a_verdict(emulator: Emulator) -> None:
    with _emu_client(emulator, api_key="wrong-key-0123456789") as mx:
        table = readiness.check(mx).render_table(width=100)
    lines = table.splitlines()
    assert lines[0].startswith("PRI") and "NOT READY" in lines[-1]
    priorities = [ln[:2] for ln in lines[2:] if ln[:2] in ("P0", "P1", "P2")]
    assert priorities == sorted(priorities)
    assert any(ln.strip().startswith("fix:") for ln in lines)


async def test_acheck_matches_check(emulator: Emulator) -> None:
    with _emu_client(emulator) as mx:
        sync_report = readiness.check(mx)
    otel = OpenTelemetryObserver(tracer_provider=TracerProvider(), meter_provider=MeterProvider())
    async with AsyncMaintainX(api_key=TEST_KEY, transport=emulator.async_transport(),
                              observers=[otel]) as amx:  # fmt: skip
        async_report = await readiness.acheck(amx)
        payload = await readiness.ahealth(amx)
    assert _status(async_report) == _status(sync_report)
    assert payload["status"] == "ok"


def test_health_payload_ok_down_and_ready(emulator: Emulator) -> None:
    with _emu_client(emulator) as mx:
        ok = readiness.health(mx)
        ready = readiness.ready(mx)
    assert ok["status"] == "ok" and ok["api"]["reachable"] and ok["api"]["authenticated"]
    assert ok["rate_limit"]["limit"] == 100
    json.dumps(ok)
    assert ready["ready"] is True and ready["failing"] == []
    with _emu_client(emulator, api_key="wrong-key-0123456789") as mx:
        down = readiness.health(mx)
    assert down["status"] == "down" and down["api"]["authenticated"] is False
    with MaintainX(api_key=TEST_KEY, base_url=f"http://127.0.0.1:{closed_port()}/v1") as mx:
        unreachable = readiness.health(mx, timeout=2)
    assert unreachable["status"] == "down" and unreachable["api"]["reachable"] is False
    assert TEST_KEY not in json.dumps([ok, down, unreachable])


def test_ready_is_false_when_a_p0_fails(emulator: Emulator) -> None:
    with _emu_client(emulator, api_key="wrong-key-0123456789") as mx:
        report = readiness.check(mx)
    payload = readiness.ready(report=report)
    assert payload["ready"] is False and "auth.key_valid" in payload["failing"]


def _redaction(emulator: Emulator, api_key: str) -> readiness.CheckResult:
    with MaintainX(api_key=api_key, transport=emulator.transport()) as mx:
        report = readiness.check(mx, live=False)
    return next(c for c in report.checks if c.id == "logging.redaction")


def test_redaction_check_warns_on_a_key_too_short_to_mask_instead_of_blaming_the_sdk(
    emulator: Emulator,
) -> None:
    short = _redaction(emulator, "abc")
    assert short.status == "warn"
    assert "3 characters" in short.evidence
    assert "SDK bug" not in (short.fix or "")
    assert _redaction(emulator, "a-long-enough-test-key-0123456789").status == "pass"


def test_readiness_entry_points_name_their_twin_when_given_the_other_client(
    emulator: Emulator,
) -> None:
    sync = MaintainX(api_key=TEST_KEY, transport=emulator.transport())
    amx = AsyncMaintainX(api_key=TEST_KEY, transport=emulator.async_transport())
    with pytest.raises(ConfigurationError, match=r"use readiness.acheck\(\)"):
        readiness.check(amx)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.ahealth\(\)"):
        readiness.health(amx)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.check\(\)"):
        asyncio.run(readiness.acheck(sync))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.health\(\)"):
        asyncio.run(readiness.ahealth(sync))  # type: ignore[arg-type]
    sync.close()
