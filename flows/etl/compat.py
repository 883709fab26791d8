"""What differs between Prefect 2.13.7 and 3.x for these flows, in one place (the rest of the code is the same).

- A submitted task's future: 2.x `wait()` returns the final state; 3.x returns None (the state is on the future).
- A state's result in async code: 2.x `await state.result(fetch=True)`; 3.x `await state.aresult()` (no fetch=).
- The thread-pool task runner: `ConcurrentTaskRunner` in 2.x; 3.x names it `ThreadPoolTaskRunner` (the old name is
  an alias).
- Deploying: 2.x `Deployment.build_from_flow(path=folder).apply()` (the process worker copies that folder into every
  run); 3.x removed it: `Flow.from_source(folder, entrypoint).deploy(build=False, push=False)` (offline; the worker
  runs in that folder).
- The tag-slot wait: 2.13.7 hard-codes 30 s on the server (slot_wait.py shortens it client-side); 3.x makes it a
  server setting and acquires tag slots itself, so the backport is for 2.x only.
"""
from __future__ import annotations

import contextlib
import inspect
import io
from pathlib import Path
from typing import Any
from uuid import UUID

import prefect
from prefect.states import State

PREFECT_MAJOR = int(prefect.__version__.split(".", 1)[0])
NEEDS_SLOT_WAIT_BACKPORT = PREFECT_MAJOR < 3

if PREFECT_MAJOR >= 3:
    from prefect.task_runners import ThreadPoolTaskRunner as ConcurrentTaskRunner
else:
    from prefect.task_runners import ConcurrentTaskRunner


def wait_for_state(future: Any) -> State:
    """Wait for a submitted task and return its final state."""
    state = future.wait()
    return future.state if state is None else state


async def state_data(state: State) -> Any:
    """The data of a state (a subflow's return value) from async code, or the exception of a failed one."""
    if PREFECT_MAJOR >= 3:
        return await state.aresult(raise_on_failure=False)
    return await state.result(raise_on_failure=False, fetch=True)


async def deploy_from_folder(flow: Any, folder: Path, name: str, *, work_pool: str, tags: list[str],
                             description: str | None = None) -> UUID:
    """Create or update the deployment `name` of `flow` (defined in a file under `folder`), run from `folder` by
    the process workers of `work_pool` (queue "default"). The code is the source of truth: nothing is kept from
    an earlier version of the deployment but its id."""
    if PREFECT_MAJOR >= 3:
        source_file = Path(inspect.getsourcefile(flow.fn)).resolve().relative_to(folder)
        loaded = await flow.afrom_source(str(folder), f"{source_file}:{flow.fn.__name__}")
        with contextlib.redirect_stdout(io.StringIO()):  # its table of one deployment: the caller prints one line
            return await loaded.adeploy(
                name=name, work_pool_name=work_pool, work_queue_name="default", tags=tags, description=description,
                build=False, push=False, print_next_steps=False,
            )
    from prefect.deployments import Deployment  # removed in 3.x

    deployment = await Deployment.build_from_flow(
        flow=flow, name=name, description=description, tags=tags, work_pool_name=work_pool,
        work_queue_name="default", path=str(folder), load_existing=False, skip_upload=True,
    )
    return await deployment.apply()


__all__ = ["ConcurrentTaskRunner", "NEEDS_SLOT_WAIT_BACKPORT", "PREFECT_MAJOR", "deploy_from_folder", "state_data", "wait_for_state"]
