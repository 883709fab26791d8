"""distributed-etl-job: one process-table-etl deployment run per table, spread over workers.

Tree: distributed-etl-job -> {etl-pre-phase, etl-fanout-phase, etl-final-phase};
etl-fanout-phase -> process-table-etl (one flow run per table, via its deployment).
"""
from __future__ import annotations

import asyncio
import os
import time

from prefect import flow, get_client, get_run_logger
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Completed, Failed, State

from etl import (
    CHILD_DEPLOYMENT,
    DEADLINE_DOC,
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_SECONDS,
    DEFAULT_TABLES,
    build_summary,
    cleanup_temp_tables,
    create_staging,
    documented,
    failure_message,
    final_state,
    publish_summary,
    sql_query_task,
    table_label,
    transform_table,
    validate_deadline,
    validate_params,
    validate_sources,
)
from etl.compat import state_data
from etl.fanout import cancel_runs, wait_for_tables
from etl.retry import retry_busy

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


def gave_up_message(deadline_seconds: float, total: int, unfinished: dict[int, str], failed: list[int]) -> str:
    """"gave up after 600 s on 2 of 6 tables: 3 (Running), 5 (Scheduled); 3 of 6 tables failed: 2, 3, 5"."""
    waiting = ", ".join(f"{table} ({state})" for table, state in sorted(unfinished.items()))
    return f"gave up after {deadline_seconds:g} s on {len(unfinished)} of {total} tables: {waiting}; {failure_message(total, failed)}"


@flow(name="etl-fanout-phase", flow_run_name="fanout-phase")
async def etl_fanout_phase(
    tables: int,
    seconds: float,
    fail_tables: list[int],
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
):
    """Trigger one process-table-etl deployment run per table and wait for them, at most deadline_seconds."""
    params = validate_params(tables, seconds, fail_tables)
    deadline = validate_deadline(deadline_seconds)
    logger = get_run_logger()
    started = time.monotonic()
    poll = child_poll_seconds()
    parent_id = FlowRunContext.get().flow_run.id

    async with get_client() as client:
        try:
            await retry_busy(lambda: client.read_deployment_by_name(CHILD_DEPLOYMENT), "reading the table deployment", logger)
        except ObjectNotFound:
            return Failed(message=f"deployment {CHILD_DEPLOYMENT} not found; {DEPLOY_HINT}")

        gate = asyncio.Semaphore(CREATE_CONCURRENCY)

        async def trigger(table: int):
            async with gate:
                # The idempotency key makes a retry (and a retried fan-out run) return the run already created.
                return await retry_busy(
                    lambda: run_deployment(
                        name=CHILD_DEPLOYMENT,
                        parameters={"table": table, "seconds": params.seconds, "fail": params.fails(table)},
                        timeout=0,
                        flow_run_name=table_label(table),
                        tags=["distributed-etl", f"table-{table}"],
                        idempotency_key=f"{parent_id}:{table_label(table)}",
                        client=client,
                    ),
                    f"starting {table_label(table)}",
                    logger,
                )

        try:
            runs = await asyncio.gather(*(trigger(t) for t in range(1, params.tables + 1)))
        except Exception as exc:
            logger.exception("could not create the child flow runs")
            return Failed(
                message=f"could not start {CHILD_DEPLOYMENT} runs ({type(exc).__name__}: {exc}); {DEPLOY_HINT}"
            )

        table_of = {run.id: table for table, run in zip(range(1, params.tables + 1), runs)}
        logger.info("started %s process-table-etl runs; polling every %s s, for at most %g s", len(runs), poll, deadline)
        result = await wait_for_tables(client, table_of, deadline_seconds=deadline, poll_seconds=poll, logger=logger)
        if result.gave_up:
            logger.error("deadline of %g s passed; cancelling the %s unfinished table runs", deadline, len(result.unfinished))
            await cancel_runs(client, result.unfinished_runs, f"the fan-out gave up after {deadline:g} s", logger)

    for table, reason in sorted(result.failed.items()):
        logger.error("table %s: %s", table, reason)
    failed = sorted({*result.failed, *result.unfinished})
    summary = build_summary(params, failed, time.monotonic() - started, unfinished_tables=sorted(result.unfinished))
    if result.gave_up:
        return Failed(message=gave_up_message(deadline, params.tables, result.unfinished, failed), data=summary)
    return final_state(summary)


@flow(name="etl-final-phase", flow_run_name="final-phase")
async def etl_final_phase(tables: int, outcome: dict):
    """Cleanup and publish; runs even when the fan-out phase failed."""
    cleanup_temp_tables(tables)
    publish_summary(outcome)
    return outcome


async def _phase_data(state: State) -> dict:
    data = await state_data(state)
    return data if isinstance(data, dict) else {}


@flow(name="distributed-etl-job")
@documented(
    "Distributed ETL: pre and fan-out phases in parallel, one deployment run per table, then a final phase.",
    deadline_seconds=DEADLINE_DOC,
)
async def distributed_etl_job(
    tables: int = DEFAULT_TABLES,
    seconds: float = DEFAULT_SECONDS,
    fail_tables: list[int] = [],  # noqa: B006 - never mutated; shows as default [] in the schema
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
):
    params = validate_params(tables, seconds, fail_tables)
    deadline = validate_deadline(deadline_seconds)
    logger = get_run_logger()
    pre, fanout = await asyncio.gather(
        etl_pre_phase(params.tables, return_state=True),
        etl_fanout_phase(params.tables, params.seconds, list(params.fail_tables), deadline, return_state=True),
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
