"""main-etl-job: one flow run, N sql-query-task runs submitted at once.

    python flows/main_etl.py --tables 5 --seconds 1 --fail 2,4
"""
from __future__ import annotations

import time
from prefect import flow, get_run_logger

from etl import (
    DEFAULT_SECONDS,
    DEFAULT_TABLES,
    build_summary,
    cleanup_temp_tables,
    documented,
    final_state,
    publish_summary,
    sql_query_task,
    validate_params,
)
from etl.cli import main
from etl.compat import ConcurrentTaskRunner, wait_for_state


@flow(name="main-etl-job", task_runner=ConcurrentTaskRunner(), log_prints=True)
@documented("Task-parallel ETL: query every table concurrently, then clean up and publish.")
def main_etl_job(
    tables: int = DEFAULT_TABLES,
    seconds: float = DEFAULT_SECONDS,
    fail_tables: list[int] = [],  # noqa: B006 - never mutated; shows as default [] in the schema
):
    params = validate_params(tables, seconds, fail_tables)
    logger = get_run_logger()
    started = time.monotonic()
    logger.info("querying %s tables at once (%.1f s each)", params.tables, params.seconds)

    futures = {
        table: sql_query_task.submit(table, params.seconds, list(params.fail_tables))
        for table in range(1, params.tables + 1)
    }
    states = {table: wait_for_state(future) for table, future in futures.items()}
    failed = [table for table, state in states.items() if not state.is_completed()]
    rows = sum(
        state.result()["rows"] for state in states.values() if state.is_completed()
    )

    # Cleanup runs whether or not some tables failed.
    cleanup_temp_tables(params.tables)
    summary = build_summary(params, failed, time.monotonic() - started, rows=rows)
    publish_summary(summary)
    return final_state(summary)


if __name__ == "__main__":
    main(main_etl_job)
