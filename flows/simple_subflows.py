"""simple-etl-job: the per-table subflows run in-process (plain calls), one after another.

No workers or deployments needed:
    python flows/simple_subflows.py --tables 3 --seconds 1 --fail 2
"""
from __future__ import annotations

import time
from prefect import flow, get_run_logger

from distributed_etl import process_table_etl
from etl import (
    DEFAULT_SECONDS,
    DEFAULT_TABLES,
    build_summary,
    cleanup_temp_tables,
    documented,
    final_state,
    publish_summary,
    validate_params,
)
from etl.cli import main


@flow(name="simple-etl-job")
@documented("In-process ETL: one process-table-etl subflow per table (sequential), then cleanup.")
def simple_etl_job(
    tables: int = DEFAULT_TABLES,
    seconds: float = DEFAULT_SECONDS,
    fail_tables: list[int] = [],  # noqa: B006 - never mutated; shows as default [] in the schema
):
    params = validate_params(tables, seconds, fail_tables)
    logger = get_run_logger()
    started = time.monotonic()
    failed = []
    for table in range(1, params.tables + 1):
        state = process_table_etl(table, params.seconds, params.fails(table), return_state=True)
        if not state.is_completed():
            failed.append(table)
        logger.info("%s/%s tables done (%s failed)", table, params.tables, len(failed))
    cleanup_temp_tables(params.tables)
    summary = build_summary(params, failed, time.monotonic() - started)
    publish_summary(summary)
    return final_state(summary)


if __name__ == "__main__":
    main(simple_etl_job)
