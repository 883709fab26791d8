"""Command-line entry shared by main_etl.py and simple_subflows.py."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .params import DEFAULT_SECONDS, DEFAULT_TABLES, parse_table_list, validate_params


def run_cli(flow, argv: Sequence[str] | None = None) -> int:
    """Parse --tables/--seconds/--fail, run `flow` in-process, return an exit code."""
    parser = argparse.ArgumentParser(
        description=f"Run the {flow.name!r} flow in-process against PREFECT_API_URL."
    )
    parser.add_argument("--tables", type=int, default=DEFAULT_TABLES,
                        help=f"number of tables (default {DEFAULT_TABLES})")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS,
                        help=f"seconds per table query (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--fail", default="", metavar="N,M",
                        help="comma-separated table numbers that fail, e.g. 2,4")
    args = parser.parse_args(argv)
    try:
        params = validate_params(args.tables, args.seconds, parse_table_list(args.fail))
    except ValueError as exc:
        parser.error(str(exc))  # exits 2

    state = flow(**params.as_dict(), return_state=True)
    print(f"{flow.name}: {state.type.value} - {state.message}")
    return 0 if state.is_completed() else 1


def main(flow) -> None:
    sys.exit(run_cli(flow))
