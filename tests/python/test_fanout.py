"""The fan-out's wait loop (flows/etl/fanout.py) and busy-database retry (flows/etl/retry.py), with a fake client."""
from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from uuid import uuid4

import httpx
import pytest
from prefect.states import Completed, Failed, Running, Scheduled

from etl.fanout import wait_for_tables
from etl.retry import is_busy_error, retry_busy

LOGGER = logging.getLogger("test")


class FakeClient:
    """Serves each run's scripted states in turn (the last one repeats)."""

    def __init__(self, scripts):
        self.scripts = scripts
        self.reads = 0

    async def read_flow_runs(self, flow_run_filter, limit):
        self.reads += 1
        ids = flow_run_filter.id.any_
        runs = []
        for run_id in ids:
            script = self.scripts[run_id]
            state = script.pop(0) if len(script) > 1 else script[0]
            runs.append(SimpleNamespace(id=run_id, state=state))
        return runs


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0  # each look at the clock is one second later
        return self.now


def test_waits_until_every_child_is_final_and_names_the_failed():
    a, b = uuid4(), uuid4()
    client = FakeClient({a: [Running(), Completed()], b: [Running(), Running(), Failed(message="boom")]})
    result = asyncio.run(wait_for_tables(client, {a: 1, b: 2}, deadline_seconds=1000, poll_seconds=0.001, logger=LOGGER))
    assert result.done == 2
    assert not result.gave_up
    assert list(result.failed) == [2]
    assert "boom" in result.failed[2]


def test_gives_up_at_the_deadline_naming_the_unfinished_children():
    a, b, c = uuid4(), uuid4(), uuid4()
    client = FakeClient({a: [Completed()], b: [Running()], c: [Scheduled()]})
    result = asyncio.run(
        wait_for_tables(client, {a: 1, b: 2, c: 3}, deadline_seconds=5, poll_seconds=0.001, logger=LOGGER, clock=FakeClock())
    )
    assert result.gave_up
    assert result.unfinished == {2: "Running", 3: "Scheduled"}
    assert set(result.unfinished_runs) == {b, c}
    assert result.done == 1


def _status_error(code: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://prefect/api/x")
    return httpx.HTTPStatusError("busy", request=request, response=httpx.Response(code, request=request))


def test_retry_rides_out_a_busy_server_then_returns():
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise _status_error(503)
        return "ok"

    assert asyncio.run(retry_busy(flaky, "test", budget_seconds=30)) == "ok"
    assert len(calls) == 3


def test_retry_does_not_repeat_a_request_the_server_refused():
    calls = []

    async def refused():
        calls.append(1)
        raise _status_error(422)

    with pytest.raises(httpx.HTTPStatusError):
        asyncio.run(retry_busy(refused, "test", budget_seconds=30))
    assert len(calls) == 1


def test_retry_gives_up_when_the_budget_is_spent():
    async def always_busy():
        raise RuntimeError("(sqlite3.OperationalError) database is locked")

    with pytest.raises(RuntimeError, match="database is locked"):
        asyncio.run(retry_busy(always_busy, "test", budget_seconds=0.6))
    assert is_busy_error(_status_error(503)) and not is_busy_error(ValueError("bad"))
