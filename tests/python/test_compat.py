"""etl.compat: the one place where the flows meet what differs between Prefect 2.13.7 and 3.x (run under both envs)."""
import asyncio

import prefect
from prefect.client.orchestration import PrefectClient
from prefect.states import Completed, Failed

from etl import compat


class Future:
    """A submitted task's future as each version has it: 2.x wait() returns the state, 3.x returns None."""

    def __init__(self, state, wait_returns_state):
        self.state = state
        self._wait_returns_state = wait_returns_state

    def wait(self):
        return self.state if self._wait_returns_state else None


def test_the_major_version_is_the_installed_prefect():
    assert compat.PREFECT_MAJOR == int(prefect.__version__.split(".")[0])
    assert compat.PREFECT_MAJOR in (2, 3)


def test_wait_for_state_gives_the_final_state_whatever_wait_returns():
    done = Completed(data={"rows": 1})
    assert compat.wait_for_state(Future(done, wait_returns_state=True)) is done
    assert compat.wait_for_state(Future(done, wait_returns_state=False)) is done


def test_state_data_reads_a_subflow_result_and_a_failure_without_raising():
    assert asyncio.run(compat.state_data(Completed(data={"tables": 3}))) == {"tables": 3}
    failure = asyncio.run(compat.state_data(Failed(data=RuntimeError("table 2 failed"))))
    assert isinstance(failure, RuntimeError)


def test_the_slot_wait_backport_is_installed_on_2x_only():
    installed = getattr(PrefectClient.set_task_run_state, "_flowdeck_slot_wait", False)
    assert compat.NEEDS_SLOT_WAIT_BACKPORT == (compat.PREFECT_MAJOR == 2)
    assert installed == compat.NEEDS_SLOT_WAIT_BACKPORT


def test_the_task_runner_is_the_thread_pool_runner_of_the_installed_version():
    runner = compat.ConcurrentTaskRunner()
    assert type(runner).__name__ in ("ConcurrentTaskRunner", "ThreadPoolTaskRunner")
