"""Register (create or update) the Flowdeck deployments on the Prefect server.

    PREFECT_API_URL=http://127.0.0.1:4200/api python flows/deploy.py

Idempotent: a deployment is keyed by flow name + deployment name, so re-running updates
it in place. Works from any cwd: it chdirs to this folder, because Prefect 2.13.7 stores
path = cwd and the process worker copies that whole folder into a temp dir for every run.
Runs on Prefect 2.13.7 and 3.x (etl/compat.py picks the API); run it with the Python of the
server's version (npm run deploy does).
"""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the folder copied into every run
FLOWS_DIR = Path(__file__).resolve().parent
os.chdir(FLOWS_DIR)
if str(FLOWS_DIR) not in sys.path:
    sys.path.insert(0, str(FLOWS_DIR))

from prefect import get_client  # noqa: E402
from prefect.exceptions import ObjectNotFound  # noqa: E402

from distributed_etl import distributed_etl_job, process_table_etl  # noqa: E402
from etl import FLOWDECK_TAG  # noqa: E402
from etl.compat import deploy_from_folder  # noqa: E402
from main_etl import main_etl_job  # noqa: E402
from simple_subflows import simple_etl_job  # noqa: E402

WORK_POOL = os.environ.get("PREFECT_WORK_POOL") or "default-pool"

DEPLOYMENTS = [
    (main_etl_job, "main-etl-deployment", ["etl", "task-parallel"],
     "Task-parallel ETL: one flow run, one sql-query-task per table submitted at once, then cleanup."),
    (distributed_etl_job, "distributed-etl-deployment", ["etl", "distributed"],
     "Distributed ETL: pre and fan-out phases in parallel; one process-table-etl run per table on the workers; then a final phase."),
    (process_table_etl, "process-table-etl-deployment", ["etl", "child"],
     "One table of the distributed ETL (started by distributed-etl-job; not meant to be run by hand)."),
    (simple_etl_job, "simple-etl-deployment", ["etl", "in-process"],
     "In-process ETL: one process-table-etl subflow per table in the same flow run process, sequentially."),
]

# Folders that must not sit in FLOWS_DIR: they would be copied into every flow run.
FORBIDDEN = [".venv", "node_modules"]


def fail(message: str, code: int = 1) -> None:
    print(f"deploy: {message}", file=sys.stderr)
    sys.exit(code)


async def check_work_pool() -> None:
    async with get_client() as client:
        try:
            pool = await client.read_work_pool(WORK_POOL)
        except ObjectNotFound:
            fail(f"work pool {WORK_POOL!r} does not exist at {client.api_url}: "
                 "run npm run prefect:setup first", 2)
        except Exception as exc:  # server down, wrong URL, ...
            fail(f"cannot reach the Prefect API at {client.api_url} "
                 f"({type(exc).__name__}: {exc}); is the server running and PREFECT_API_URL set?", 2)
    if pool.type != "process":
        print(f"deploy: warning: work pool {WORK_POOL!r} has type {pool.type!r}, expected 'process'",
              file=sys.stderr)


async def deploy_all() -> None:
    for name in FORBIDDEN:
        if (FLOWS_DIR / name).exists():
            fail(f"{FLOWS_DIR / name} exists; remove it: the process worker copies the whole "
                 f"{FLOWS_DIR} folder into a temp dir for every flow run", 2)
    await check_work_pool()

    for flow, deployment_name, tags, description in DEPLOYMENTS:
        deployment_id = await deploy_from_folder(
            flow, FLOWS_DIR, deployment_name, work_pool=WORK_POOL, tags=[FLOWDECK_TAG, *tags], description=description,
        )
        print(f"deployed {flow.name}/{deployment_name} -> {WORK_POOL} (id {deployment_id})")


if __name__ == "__main__":
    asyncio.run(deploy_all())
