"""The backport shortens only the server's 30 s wait for a full tag concurrency limit, and only when configured."""
import asyncio
from uuid import uuid4

import pytest
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.responses import (
    OrchestrationResult,
    SetStateStatus,
    StateAcceptDetails,
    StateWaitDetails,
)

from etl import slot_wait

TAG_FULL = "Concurrency limit for the database tag has been reached"


@pytest.fixture
def answer(monkeypatch):
    """Installs the backport over a fake set_task_run_state that answers what the test puts in `answer[0]`."""
    box = []

    async def fake(self, task_run_id, state, force=False):
        return box[0]

    monkeypatch.setattr(PrefectClient, "set_task_run_state", fake)
    slot_wait.install()
    return box


def call(result, box):
    box[:] = [result]
    return asyncio.run(PrefectClient.set_task_run_state(None, uuid4(), None))


def wait(delay, reason=TAG_FULL):
    return OrchestrationResult(state=None, status=SetStateStatus.WAIT, details=StateWaitDetails(delay_seconds=delay, reason=reason))


def test_a_full_tag_limit_waits_the_configured_seconds(answer, monkeypatch):
    monkeypatch.setenv(slot_wait.ENV, "2")
    assert call(wait(30), answer).details.delay_seconds == 2


@pytest.mark.parametrize("raw", ["", "0", "-1", "soon"])
def test_unset_or_invalid_keeps_the_servers_wait(answer, monkeypatch, raw):
    monkeypatch.setenv(slot_wait.ENV, raw)
    assert slot_wait.slot_wait_seconds() is None
    assert call(wait(30), answer).details.delay_seconds == 30


def test_other_waits_and_answers_are_untouched(answer, monkeypatch):
    monkeypatch.setenv(slot_wait.ENV, "2")
    assert call(wait(30, reason="Scheduled for later"), answer).details.delay_seconds == 30
    assert call(wait(1), answer).details.delay_seconds == 1  # already shorter
    accepted = OrchestrationResult(state=None, status=SetStateStatus.ACCEPT, details=StateAcceptDetails())
    assert call(accepted, answer) is accepted


def test_installing_twice_wraps_once(answer):
    wrapped = PrefectClient.set_task_run_state
    slot_wait.install()
    assert PrefectClient.set_task_run_state is wrapped
