"""Waiting for a fan-out's child flow runs: poll their states in batches until all are final or a deadline passes.

Kept apart from the flow so the loop (and its deadline) can be read and tested on its own.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.states import Cancelled, Cancelling, State, StateType

from .retry import retry_busy

PAGE_SIZE = 200  # the server refuses limit > 200
IDLE_WARNING_SECONDS = 60


@dataclass
class FanOutResult:
    """What became of the children: tables that did not complete, and tables still unfinished at the deadline."""

    done: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    unfinished: dict[int, str] = field(default_factory=dict)
    unfinished_runs: list[UUID] = field(default_factory=list)

    @property
    def gave_up(self) -> bool:
        return bool(self.unfinished)


async def read_states(client: PrefectClient, ids: list[UUID], logger: logging.Logger | logging.LoggerAdapter | None = None) -> dict[UUID, State]:
    """One filter query per page of up to 200 flow run ids (each retried while the server is busy)."""
    states: dict[UUID, State] = {}
    for start in range(0, len(ids), PAGE_SIZE):
        page = ids[start:start + PAGE_SIZE]
        runs = await retry_busy(
            lambda: client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=page)), limit=PAGE_SIZE),
            "reading the table runs' states",
            logger,
        )
        states.update({run.id: run.state for run in runs if run.state})
    return states


async def wait_for_tables(
    client: PrefectClient,
    table_of: dict[UUID, int],
    *,
    deadline_seconds: float,
    poll_seconds: float,
    logger: logging.Logger | logging.LoggerAdapter,
    clock: Callable[[], float] = time.monotonic,
) -> FanOutResult:
    """Poll until every child run is final or `deadline_seconds` have passed; log progress as it changes."""
    started = clock()
    total = len(table_of)
    result = FanOutResult()
    pending = list(table_of)
    last_progress = None
    warned_idle = False
    while pending:
        states = await read_states(client, pending, logger)
        still_pending = []
        for run_id in pending:
            state = states.get(run_id)
            if state is not None and state.is_final():
                result.done += 1
                if state.type != StateType.COMPLETED:
                    result.failed[table_of[run_id]] = f"{state.name}: {state.message}"
            else:
                still_pending.append(run_id)
        pending = still_pending

        progress = f"{result.done}/{total} tables done ({len(result.failed)} failed)"
        if progress != last_progress:
            logger.info(progress)
            last_progress = progress
        elapsed = clock() - started
        if (
            pending and not warned_idle and result.done == 0
            and elapsed > IDLE_WARNING_SECONDS
            and all(states.get(r) is None or states[r].is_scheduled() for r in pending)
        ):
            logger.warning("no table run has started after %s s: is a worker polling the work pool?", IDLE_WARNING_SECONDS)
            warned_idle = True
        if not pending:
            break
        if elapsed >= deadline_seconds:
            for run_id in pending:
                state = states.get(run_id)
                result.unfinished[table_of[run_id]] = state.name if state is not None else "unknown"
            result.unfinished_runs = pending
            break
        await asyncio.sleep(min(poll_seconds, max(deadline_seconds - elapsed, 0.1)))
    return result


async def cancel_runs(client: PrefectClient, run_ids: list[UUID], reason: str,
                      logger: logging.Logger | logging.LoggerAdapter) -> None:
    """Cancel runs given up on, as Prefect's UI does: Cancelling (a worker stops the process), or Cancelled
    straight away for a run no process has picked up yet. Errors are logged, never raised: giving up must end."""
    states = await read_states(client, run_ids, logger)
    for run_id in run_ids:
        state = states.get(run_id)
        if state is not None and state.is_final():
            continue
        not_started = state is None or state.is_scheduled()
        new_state = Cancelled(message=reason) if not_started else Cancelling(message=reason)
        try:
            await retry_busy(lambda: client.set_flow_run_state(run_id, new_state, force=True), "cancelling a table run", logger)
        except Exception as exc:  # noqa: BLE001 - reported, the phase still ends
            logger.error("could not cancel flow run %s: %s: %s", run_id, type(exc).__name__, exc)
