"""Shared pieces of the Flowdeck Prefect flows (tasks, parameter checks, summaries).

Everything is imported eagerly: the worker loads flow files with a temporary sys.path
entry, so lazy imports of this package after load would fail.
"""
from . import compat, fanout, retry, slot_wait
from .cli import run_cli
from .params import (
    DEADLINE_DOC,
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_SECONDS,
    MAX_DEADLINE_SECONDS,
    DEFAULT_TABLES,
    MAX_TABLES,
    MIN_TABLES,
    PARAMETER_DOCS,
    documented,
    EtlParams,
    parse_table_list,
    table_label,
    validate_deadline,
    validate_params,
)
from .summary import build_summary, failure_message, final_state, success_message
from .tasks import (
    DATABASE_TAG,
    cleanup_temp_tables,
    create_staging,
    publish_summary,
    pseudo_row_count,
    sql_query_task,
    transform_table,
    validate_sources,
)

FLOWDECK_TAG = "flowdeck"
CHILD_DEPLOYMENT = "process-table-etl/process-table-etl-deployment"

if compat.NEEDS_SLOT_WAIT_BACKPORT:
    slot_wait.install()
