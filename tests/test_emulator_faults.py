"""Fault injection: scripted per route, seeded random shares, wire faults in-process."""

from __future__ import annotations

import httpx
import pytest

from maintainx_sdk.testing import Fault, FaultPlan, parse_fault_spec

from .helpers.emulator_clients import make_emulator, raw_client


def test_scripted_statuses_then_normal_answers() -> None:
    emu = make_emulator(work_orders=2)
    emu.faults.script("GET", "/workorders", [503, 503, 503])
    with raw_client(emu) as c:
        codes = [c.get("/workorders").status_code for _ in range(4)]
        assert c.get("/users").status_code == 200
    assert codes == [503, 503, 503, 200]
    assert emu.faults.pending() == 0


def test_script_by_template_and_concrete_path() -> None:
    emu = make_emulator(work_orders=1)
    wid = next(iter(emu.org().table("workorders")))["id"]
    emu.faults.script("GET", "/workorders/{id}", [500])
    emu.faults.script("PATCH", f"/v1/workorders/{wid}/status", ["ok", 502])
    with raw_client(emu) as c:
        assert c.get(f"/workorders/{wid}").status_code == 500
        assert c.get(f"/workorders/{wid}").status_code == 200
        assert c.patch(f"/workorders/{wid}/status", json={"status": "ON_HOLD"}).status_code == 200
        assert c.patch(f"/workorders/{wid}/status", json={"status": "OPEN"}).status_code == 502


def test_429_bursts_with_and_without_retry_after() -> None:
    emu = make_emulator()
    emu.faults.burst_429(2, retry_after=3)
    emu.faults.script("GET", "*", ["429"])
    with raw_client(emu) as c:
        first, second, third = (c.get("/users") for _ in range(3))
    assert first.status_code == second.status_code == third.status_code == 429
    assert first.headers["retry-after"] == "3"
    assert "retry-after" not in third.headers
    assert "error" in third.json()


def test_reset_and_hang_raise_what_a_socket_would_raise() -> None:
    emu = make_emulator(max_hang=0.05)
    emu.faults.script("GET", "/users", ["reset", "hang"])
    with raw_client(emu) as c:
        with pytest.raises(httpx.ReadError):
            c.get("/users")
        with pytest.raises(httpx.ReadTimeout):
            c.get("/users", timeout=0.01)
    with pytest.raises(httpx.ReadError):
        emu.faults.script("GET", "/users", ["reset"])
        emu.handle(
            httpx.Request(
                "GET", "https://x/v1/users", headers={"authorization": f"Bearer {emu.api_key}"}
            )
        )


def test_refused_connection_raises_connect_error_and_applies_nothing() -> None:
    emu = make_emulator()
    emu.faults.script("POST", "/workorders", ["refuse"])
    with raw_client(emu) as c, pytest.raises(httpx.ConnectError):
        c.post("/workorders", json={"title": "never sent"})
    assert len(emu.org().table("workorders")) == 0


def test_malformed_and_truncated_bodies() -> None:
    emu = make_emulator(work_orders=3)
    emu.faults.script("GET", "/workorders", ["malformed", "truncated"])
    with raw_client(emu) as c:
        for _ in range(2):
            response = c.get("/workorders")
            assert response.status_code == 200
            with pytest.raises(ValueError):
                response.json()


@pytest.mark.parametrize("fault", ["applied-503", "applied-reset"])
def test_applied_then_failed_stores_the_write(fault: str) -> None:
    emu = make_emulator()
    emu.faults.script("POST", "/workorders", [fault])
    with raw_client(emu) as c:
        try:
            response = c.post("/workorders", json={"title": "ghost"})
        except httpx.ReadError:
            pass
        else:
            assert response.status_code == 503
    assert [r["title"] for r in emu.org().table("workorders")] == ["ghost"]


def test_plain_5xx_fault_stores_nothing() -> None:
    emu = make_emulator()
    emu.faults.script("POST", "/workorders", [500])
    with raw_client(emu) as c:
        assert c.post("/workorders", json={"title": "never"}).status_code == 500
    assert len(emu.org().table("workorders")) == 0


def test_random_faults_are_seeded_and_match_their_share() -> None:
    def run(seed: int) -> list[int]:
        emu = make_emulator()
        emu.faults.configure(seed=seed, error_rate=0.3)
        with raw_client(emu) as c:
            return [c.get("/users").status_code for _ in range(300)]

    first, again, other = run(5), run(5), run(6)
    assert first == again and first != other
    failures = [s for s in first if s != 200]
    assert 60 <= len(failures) <= 120
    assert set(failures) == {500, 502, 503, 504}


def test_latency_is_added() -> None:
    plan = FaultPlan(seed=1).configure(latency=(0.01, 0.02))
    decisions = [plan.decide("GET", "/users", "/users") for _ in range(20)]
    assert all(0.01 <= d.delay <= 0.02 for d in decisions)


def test_fault_spec_string() -> None:
    plan = parse_fault_spec(
        "seed=3;5xx=0.1;429=0.05;retry-after=2;reset=0.01;latency=0.01-0.03;GET /workorders=503,503,ok"
    )
    assert (
        plan.error_rate == 0.1 and plan.rate_limit_rate == 0.05 and plan.rate_limit_retry_after == 2
    )
    assert plan.latency == (0.01, 0.03) and plan.pending() == 3
    emu = make_emulator(faults="GET /workorders=503,429:1")
    with raw_client(emu) as c:
        assert c.get("/workorders").status_code == 503
        assert c.get("/workorders").headers["retry-after"] == "1"
    for bad in ("5xx", "nonsense=1", "5xx=2", "GET /x=teapot"):
        with pytest.raises(ValueError):
            parse_fault_spec(bad)


def test_fault_parse() -> None:
    assert Fault.parse(503) == Fault("status", 503)
    assert Fault.parse("429:2.5") == Fault("status", 429, 2.5)
    assert Fault.parse("applied-reset") == Fault("reset", applied=True)
    with pytest.raises(ValueError):
        Fault.parse("applied-hang")
