"""Backport of PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS for Prefect 2.13.7.

In 2.13.7 the server answers a task that finds its tag's concurrency limit full with WAIT and a hard-coded
delay of 30 s (server/orchestration/core_policy.py), and the engine sleeps that long before asking again.
Later Prefect releases made the interval a setting. Here the client shortens only that delay, and only for
that reason: the server still decides whether a slot is free, so the limit holds exactly as before.
"""
from __future__ import annotations

import functools
import os

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.responses import SetStateStatus

ENV = "PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS"
_REASON = "Concurrency limit for the "


def slot_wait_seconds() -> float | None:
    """The configured wait, or None to keep the server's (unset, empty or invalid)."""
    raw = os.environ.get(ENV, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value > 0 else None


def install() -> None:
    """Wrap PrefectClient.set_task_run_state once per process."""
    original = PrefectClient.set_task_run_state
    if getattr(original, "_flowdeck_slot_wait", False):
        return

    @functools.wraps(original)
    async def set_task_run_state(self, task_run_id, state, force=False):
        result = await original(self, task_run_id, state, force=force)
        wait = slot_wait_seconds()
        details = result.details
        if (
            wait is not None
            and result.status == SetStateStatus.WAIT
            and str(getattr(details, "reason", "")).startswith(_REASON)
            and getattr(details, "delay_seconds", 0) > wait
        ):
            details.delay_seconds = wait
        return result

    set_task_run_state._flowdeck_slot_wait = True
    PrefectClient.set_task_run_state = set_task_run_state
