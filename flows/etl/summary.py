"""Final state / summary helpers shared by the ETL flows."""
from __future__ import annotations

from collections.abc import Iterable

from prefect.artifacts import create_table_artifact
from prefect.states import Completed, Failed, State

from .params import EtlParams, table_label

SUMMARY_ARTIFACT_KEY = "etl-summary"


def failure_message(total: int, failed_tables: Iterable[int]) -> str:
    failed = sorted(failed_tables)
    return f"{len(failed)} of {total} tables failed: {', '.join(str(t) for t in failed)}"


def success_message(total: int) -> str:
    return f"{total} of {total} tables completed"


def build_summary(
    params: EtlParams,
    failed_tables: Iterable[int],
    elapsed_seconds: float | None = None,
    **extra,
) -> dict:
    failed = sorted(set(failed_tables))
    summary = {
        "tables": params.tables,
        "completed": params.tables - len(failed),
        "failed": len(failed),
        "failed_tables": failed,
        "seconds": params.seconds,
    }
    if elapsed_seconds is not None:
        summary["elapsed_seconds"] = round(elapsed_seconds, 3)
    summary.update(extra)
    return summary


def final_state(summary: dict) -> State:
    """Completed/Failed state with an exact message and the summary as its result."""
    if summary["failed_tables"]:
        return Failed(
            message=failure_message(summary["tables"], summary["failed_tables"]),
            data=summary,
        )
    return Completed(message=success_message(summary["tables"]), data=summary)


def summary_rows(summary: dict) -> list:
    """One row per table: what the run's table artifact shows."""
    failed = set(summary["failed_tables"])
    return [
        {"table": table_label(table), "status": "failed" if table in failed else "completed"}
        for table in range(1, summary["tables"] + 1)
    ]


def publish_summary_artifact(summary: dict) -> None:
    """The per-table summary as a table artifact of the current flow run (shown on its run page)."""
    create_table_artifact(
        summary_rows(summary),
        key=SUMMARY_ARTIFACT_KEY,
        description=f"ETL summary: {summary['completed']} of {summary['tables']} tables completed",
    )
