"""What `maintainx-sdk readiness` tells a person who runs it without a key, or against a dead
loopback server: each reason said once, no false failures, fixes that name the right port."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

import maintainx_sdk.readiness as readiness
from maintainx_sdk import MaintainX
from maintainx_sdk.cli import main as sdk_main
from maintainx_sdk.observability import LOGGER_NAME, RedactionFilter
from maintainx_sdk.readiness.cli import main
from maintainx_sdk.testing import Emulator
from tests.conftest import TEST_KEY
from tests.helpers.closed_port import closed_port

NO_KEY_TEXT = "No MaintainX API key"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAINTAINX_API_KEY", "MAINTAINX_API_KEY_FILE", "MAINTAINX_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(api_key=TEST_KEY, webhook_mode="sync")
    yield emu
    emu.close()


@pytest.fixture
def fresh_sdk_logger() -> Iterator[logging.Logger]:
    """The SDK logger as in a new process: no filter installed yet."""
    logger = logging.getLogger(LOGGER_NAME)
    saved = list(logger.filters)
    for f in saved:
        logger.removeFilter(f)
    yield logger
    for f in list(logger.filters):
        logger.removeFilter(f)
    for f in saved:
        logger.addFilter(f)


def test_without_a_key_the_reason_is_said_once_and_redaction_is_not_failed(
    no_key: None, fresh_sdk_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "--no-live"]) == 1
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["secrets.api_key"]["status"] == "fail"
    assert NO_KEY_TEXT in checks["secrets.api_key"]["evidence"]
    mentions = [cid for cid, c in checks.items() if NO_KEY_TEXT in c["evidence"] + c["fix"]]
    assert mentions == ["secrets.api_key"]
    assert checks["logging.redaction"]["status"] == "skip"
    assert "secrets.api_key" in checks["logging.redaction"]["evidence"]
    assert checks["retry.policy"]["evidence"] == "no client (see secrets.api_key)"
    failed = {cid for cid, c in checks.items() if c["status"] == "fail"}
    assert failed == {"secrets.api_key"}


def test_the_terminal_table_has_one_line_per_check_then_the_fixes(no_key: None) -> None:
    report = readiness.check(None, live=False)
    lines = report.render_table(width=90).splitlines()
    rows = lines[2 : lines.index("")]
    assert [ln.split()[2] for ln in rows] == [c.id for c in report.checks]
    assert all(len(ln) <= 90 for ln in rows)
    fixes = lines[lines.index("to fix:") :]
    assert any(ln.startswith("secrets.api_key (P0 FAIL)") for ln in fixes)
    assert any(ln.strip().startswith("fix: Set MAINTAINX_API_KEY") for ln in fixes)
    assert NO_KEY_TEXT in "\n".join(fixes)  # said whole once, below the table


def test_a_removed_filter_still_fails_with_the_restore_fix(
    emulator: Emulator, fresh_sdk_logger: logging.Logger
) -> None:
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport()) as mx:
        logger = logging.getLogger(LOGGER_NAME)
        for f in [f for f in logger.filters if isinstance(f, RedactionFilter)]:
            logger.removeFilter(f)
        result = readiness.check(mx, live=False).get("logging.redaction")
    assert result.status == "fail"
    assert "Do not remove" in result.fix


def test_alerts_skip_when_no_call_was_made(emulator: Emulator) -> None:
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport()) as mx:
        report = readiness.check(mx, live=False)
    for cid in ("alerts.error_rate", "alerts.latency_p95"):
        assert report.get(cid).status == "skip", report.get(cid)
        assert "no calls yet" in report.get(cid).evidence


def test_unreachable_loopback_fix_names_its_own_port_and_scheme(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    monkeypatch.setenv("MAINTAINX_API_KEY", TEST_KEY)
    monkeypatch.setenv("MAINTAINX_BASE_URL", f"http://127.0.0.1:{port}/v1")
    assert main(["--json", "--timeout", "2"]) == 1
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    fix = checks["health.api_reachable"]["fix"]
    assert f"127.0.0.1:{port}" in fix and "(http)" in fix
    assert "443" not in fix.replace(str(port), "")  # the random port itself may hold "443"


def test_help_lists_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert sdk_main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--version" in out
    assert sdk_main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("maintainx-sdk ")
