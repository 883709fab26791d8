"""Tasks shared by the Flowdeck ETL flows."""
from __future__ import annotations

import os
import time
import zlib
from collections.abc import Iterable

from prefect import get_run_logger, task

from .summary import publish_summary_artifact

# The tag the server-side concurrency limit is set on (npm run prefect:setup, PREFECT_CONCURRENCY_TAG).
DATABASE_TAG = os.environ.get("PREFECT_CONCURRENCY_TAG") or "database"


def pseudo_row_count(table: int) -> int:
    """Deterministic fake row count for a table number."""
    return 1_000 + zlib.crc32(f"table-{table}".encode()) % 99_000


@task(
    name="sql-query-task",
    tags=[DATABASE_TAG],
    retries=2,
    retry_delay_seconds=1,
    task_run_name="query-table-{table:03d}",
)
def sql_query_task(
    table: int, seconds: float, fail_tables: Iterable[int] | None = None
) -> dict:
    """Simulate querying one table: sleep `seconds`, fail if the table is in fail_tables."""
    logger = get_run_logger()
    logger.info("querying table %s (%.1f s)", table, seconds)
    time.sleep(seconds)
    if fail_tables and table in set(fail_tables):
        raise RuntimeError(
            f"query on table {table} failed (simulated: table {table} is in fail_tables)"
        )
    rows = pseudo_row_count(table)
    logger.info("table %s returned %s rows", table, rows)
    return {"table": table, "rows": rows, "seconds": seconds}


@task(name="transform-table", task_run_name="transform-table-{table:03d}")
def transform_table(table: int, query_result: dict) -> dict:
    """Small transform step after a table's query."""
    rows = query_result["rows"]
    get_run_logger().info("transformed table %s: %s rows", table, rows)
    return {**query_result, "transformed": True}


@task(name="validate-sources")
def validate_sources(tables: int) -> dict:
    get_run_logger().info("validated %s source tables", tables)
    return {"sources": tables}


@task(name="create-staging")
def create_staging(tables: int) -> dict:
    get_run_logger().info("created staging area for %s tables", tables)
    return {"staging": f"staging_{tables}"}


@task(name="cleanup-temp-tables")
def cleanup_temp_tables(tables: int) -> dict:
    get_run_logger().info("dropped temporary tables for %s tables", tables)
    return {"dropped": tables}


@task(name="publish-summary")
def publish_summary(summary: dict) -> dict:
    get_run_logger().info("summary: %s", summary)
    publish_summary_artifact(summary)
    return summary
