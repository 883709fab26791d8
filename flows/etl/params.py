"""Parameter validation shared by every Flowdeck ETL flow and CLI."""
from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

MIN_TABLES = 1
MAX_TABLES = 1000
DEFAULT_TABLES = 20
DEFAULT_SECONDS = 30.0
# How long the distributed ETL waits for its table runs before it gives up on the rest (and fails naming them).
DEFAULT_DEADLINE_SECONDS = 3600.0
MAX_DEADLINE_SECONDS = 7 * 24 * 3600.0

# Google-style "Args:" text, reused in every flow docstring so that Prefect puts the
# same descriptions into each deployment's parameter_openapi_schema.
PARAMETER_DOCS = {
    "tables": f"Number of tables to process ({MIN_TABLES}..{MAX_TABLES}).",
    "seconds": "Simulated query duration per table, in seconds (>= 0).",
    "fail_tables": "Table numbers (1..tables) whose query fails on purpose.",
}
DEADLINE_DOC = (
    "Seconds the fan-out waits for its table runs; past it, unfinished tables are cancelled "
    f"and the run fails naming them (> 0, at most {MAX_DEADLINE_SECONDS:g})."
)


@dataclass(frozen=True)
class EtlParams:
    tables: int
    seconds: float
    fail_tables: tuple[int, ...]

    def fails(self, table: int) -> bool:
        return table in self.fail_tables

    def as_dict(self) -> dict:
        return {
            "tables": self.tables,
            "seconds": self.seconds,
            "fail_tables": list(self.fail_tables),
        }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_params(tables: Any, seconds: Any, fail_tables: Any = None) -> EtlParams:
    """Check the ETL parameters; raise ValueError with a clear message on bad values."""
    if not _is_int(tables) or not MIN_TABLES <= tables <= MAX_TABLES:
        raise ValueError(
            f"tables must be an integer between {MIN_TABLES} and {MAX_TABLES}, got {tables!r}"
        )
    if (
        not (_is_int(seconds) or isinstance(seconds, float))
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if fail_tables is None:
        fail_tables = []
    if isinstance(fail_tables, (str, bytes)) or not isinstance(fail_tables, Iterable):
        raise ValueError(f"fail_tables must be a list of integers, got {fail_tables!r}")
    fail_tables = list(fail_tables)
    bad = [t for t in fail_tables if not _is_int(t) or not 1 <= t <= tables]
    if bad:
        raise ValueError(
            f"fail_tables must contain table numbers between 1 and {tables}, "
            f"invalid: {', '.join(repr(t) for t in bad)}"
        )
    return EtlParams(int(tables), float(seconds), tuple(sorted(set(fail_tables))))


def validate_deadline(deadline_seconds: Any) -> float:
    """Check the fan-out deadline; raise ValueError with a clear message on a bad value."""
    if (
        not (_is_int(deadline_seconds) or isinstance(deadline_seconds, float))
        or not math.isfinite(deadline_seconds)
        or not 0 < deadline_seconds <= MAX_DEADLINE_SECONDS
    ):
        raise ValueError(
            f"deadline_seconds must be a number > 0 and at most {MAX_DEADLINE_SECONDS:g}, got {deadline_seconds!r}"
        )
    return float(deadline_seconds)


def parse_table_list(text: str) -> list[int]:
    """Parse "2,4, 7" (CLI --fail) into [2, 4, 7]; "" gives []."""
    items = [part.strip() for part in (text or "").split(",") if part.strip()]
    try:
        return [int(part) for part in items]
    except ValueError:
        raise ValueError(
            f"expected comma-separated table numbers like 2,4 got {text!r}"
        ) from None


def table_label(table: int) -> str:
    """Readable name used for child flow runs and tags: table-007."""
    return f"table-{table:03d}"


def documented(summary: str, **extra_docs: str):
    """Give a flow function a Google-style docstring with the shared parameter docs (plus `extra_docs`).

    Prefect reads the "Args:" section into the deployment's parameter schema
    descriptions; apply this *below* @flow so it runs first.
    """

    def decorate(fn):
        docs = {**PARAMETER_DOCS, **extra_docs}
        args = "\n".join(f"    {name}: {text}" for name, text in docs.items())
        fn.__doc__ = f"{summary}\n\nArgs:\n{args}\n"
        return fn

    return decorate
