"""distributed-etl-job: one process-table-etl deployment run per table, spread over workers.

Tree: distributed-etl-job -> {etl-pre-phase, etl-fanout-phase, etl-final-phase};
etl-fanout-phase -> process-table-etl (one flow run per table, via its deployment).
"""
from __future__ import annotations

import asyncio
import os
import time
from typing import Dict, List
from uuid import UUID

from prefect import flow, get_client, get_run_logger
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Completed, Failed, State, StateType

from etl import (
    CHILD_DEPLOYMENT,
    DEFAULT_SECONDS,
    DEFAULT_TABLES,
    build_summary,
    cleanup_temp_tables,
    create_staging,
    documented,
    final_state,
    publish_summary,
    sql_query_task,
    table_label,
    transform_table,
    validate_params,
    validate_sources,
)

PAGE_SIZE = 200  # the server refuses limit > 200
CREATE_CONCURRENCY = 8  # concurrent run_deployment calls (SQLite server friendly)
DEPLOY_HINT = "deploy the flows first: npm run deploy"


def child_poll_seconds() -> float:
    raw = os.environ.get("FLOWDECK_CHILD_POLL_SECONDS", "2")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"FLOWDECK_CHILD_POLL_SECONDS must be a number, got {raw!r}") from None
    return max(value, 0.2)


@flow(name="process-table-etl", flow_run_name="table-{table:03d}")
def process_table_etl(table: int, seconds: float, fail: bool = False):
    """Query one table (sql-query-task, tag database) and transform the result.

    Args:
        table: Table number to process (>= 1).
        seconds: Simulated query duration in seconds (>= 0).
        fail: Make the query fail on purpose (the flow run ends Failed).
    """
    validate_params(table, seconds, [table] if fail else [])
    query = sql_query_task(table, seconds, [table] if fail else [], return_state=True)
    if not query.is_completed():
        return Failed(message=f"table {table} failed: {query.message}")
    result = transform_table(table, query.result())
    return Completed(message=f"table {table} completed: {result['rows']} rows", data=result)


@flow(name="etl-pre-phase", flow_run_name="pre-phase")
async def etl_pre_phase(tables: int):
    """Quick preparation steps (not tagged database)."""
    validate_sources(tables)
    create_staging(tables)
    return {"prepared": tables}


async def _read_states(client, ids: List[UUID]) -> Dict[UUID, State]:
    """One filter query per page of up to 200 flow run ids."""
    states: Dict[UUID, State] = {}
    for start in range(0, len(ids), PAGE_SIZE):
        page = ids[start:start + PAGE_SIZE]
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=page)),
            limit=PAGE_SIZE,
        )
        states.update({run.id: run.state for run in runs if run.state})
    return states


@flow(name="etl-fanout-phase", flow_run_name="fanout-phase")
async def etl_fanout_phase(tables: int, seconds: float, fail_tables: List[int]):
    """Trigger one process-table-etl deployment run per table and wait for all of them."""
    params = validate_params(tables, seconds, fail_tables)
    logger = get_run_logger()
    started = time.monotonic()
    poll = child_poll_seconds()
    parent_id = FlowRunContext.get().flow_run.id

    async with get_client() as client:
        try:
            await client.read_deployment_by_name(CHILD_DEPLOYMENT)
        except ObjectNotFound:
            return Failed(message=f"deployment {CHILD_DEPLOYMENT} not found; {DEPLOY_HINT}")

        gate = asyncio.Semaphore(CREATE_CONCURRENCY)

        async def trigger(table: int):
            async with gate:
                return await run_deployment(
                    name=CHILD_DEPLOYMENT,
                    parameters={"table": table, "seconds": params.seconds,
                                "fail": params.fails(table)},
                    timeout=0,
                    flow_run_name=table_label(table),
                    tags=["distributed-etl", f"table-{table}"],
                    # a retried fan-out run does not create duplicate children
                    idempotency_key=f"{parent_id}:{table_label(table)}",
                    client=client,
                )

        try:
            runs = await asyncio.gather(*(trigger(t) for t in range(1, params.tables + 1)))
        except Exception as exc:
            logger.exception("could not create the child flow runs")
            return Failed(
                message=f"could not start {CHILD_DEPLOYMENT} runs ({type(exc).__name__}: {exc}); {DEPLOY_HINT}"
            )

        table_of = {run.id: table for table, run in zip(range(1, params.tables + 1), runs)}
        logger.info("started %s process-table-etl runs; polling every %s s", len(runs), poll)

        pending = list(table_of)
        failed: Dict[int, str] = {}
        done = 0
        last_progress = None
        warned_idle = False
        while pending:
            states = await _read_states(client, pending)
            still_pending = []
            for run_id in pending:
                state = states.get(run_id)
                if state is not None and state.is_final():
                    done += 1
                    if state.type != StateType.COMPLETED:
                        failed[table_of[run_id]] = f"{state.name}: {state.message}"
                else:
                    still_pending.append(run_id)
            pending = still_pending

            progress = f"{done}/{params.tables} tables done ({len(failed)} failed)"
            if progress != last_progress:
                logger.info(progress)
                last_progress = progress
            if (
                pending and not warned_idle and done == 0
                and time.monotonic() - started > 60
                and all(states.get(r) is None or states[r].is_scheduled() for r in pending)
            ):
                logger.warning("no table run has started after 60 s: is a worker polling the work pool?")
                warned_idle = True
            if pending:
                await asyncio.sleep(poll)

    for table, reason in sorted(failed.items()):
        logger.error("table %s: %s", table, reason)
    summary = build_summary(params, failed, time.monotonic() - started)
    return final_state(summary)


@flow(name="etl-final-phase", flow_run_name="final-phase")
async def etl_final_phase(tables: int, outcome: dict):
    """Cleanup and publish; runs even when the fan-out phase failed."""
    cleanup_temp_tables(tables)
    publish_summary(outcome)
    return outcome


async def _phase_data(state: State) -> dict:
    data = await state.result(raise_on_failure=False, fetch=True)
    return data if isinstance(data, dict) else {}


@flow(name="distributed-etl-job")
@documented("Distributed ETL: pre and fan-out phases in parallel, one deployment run per table, then a final phase.")
async def distributed_etl_job(
    tables: int = DEFAULT_TABLES,
    seconds: float = DEFAULT_SECONDS,
    fail_tables: List[int] = [],  # noqa: B006 - never mutated; shows as default [] in the schema
):
    params = validate_params(tables, seconds, fail_tables)
    logger = get_run_logger()
    pre, fanout = await asyncio.gather(
        etl_pre_phase(params.tables, return_state=True),
        etl_fanout_phase(params.tables, params.seconds, list(params.fail_tables), return_state=True),
    )
    outcome = {
        "pre_phase": pre.type.value,
        "fanout_phase": fanout.type.value,
        "message": fanout.message,
        **(await _phase_data(fanout)),
    }
    final = await etl_final_phase(params.tables, outcome, return_state=True)

    if not fanout.is_completed():
        return Failed(message=fanout.message or "etl-fanout-phase failed", data=outcome)
    if not pre.is_completed():
        return Failed(message=f"etl-pre-phase failed: {pre.message}", data=outcome)
    if not final.is_completed():
        return Failed(message=f"etl-final-phase failed: {final.message}", data=outcome)
    logger.info("%s", fanout.message)
    return Completed(message=fanout.message, data=await _phase_data(fanout))
