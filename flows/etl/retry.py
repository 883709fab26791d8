"""Retry a Prefect API call while the server's database is busy.

Prefect 2.13.7's client already retries 429/502/503 a few times, but a burst of triggers on a SQLite-backed
server can keep the database locked longer than that. Here a call is repeated with exponential backoff
(capped per attempt) until a total budget runs out, then the last error is raised unchanged. Only errors the
server says are worth retrying count: HTTP 408/429/502/503, "database is locked", and dropped connections.
"""
from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

T = TypeVar("T")

BUDGET_ENV = "FLOWDECK_BUSY_RETRY_SECONDS"
DEFAULT_BUDGET_SECONDS = 120.0
MAX_BUDGET_SECONDS = 3600.0
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
RETRY_STATUSES = {408, 429, 502, 503}


def busy_retry_budget() -> float:
    """Seconds a busy database is waited out (FLOWDECK_BUSY_RETRY_SECONDS, 0..3600; default 120)."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return DEFAULT_BUDGET_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{BUDGET_ENV} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= MAX_BUDGET_SECONDS:
        raise ValueError(f"{BUDGET_ENV} must be between 0 and {MAX_BUDGET_SECONDS:g}, got {raw!r}")
    return value


def is_busy_error(exc: BaseException) -> bool:
    """True for errors that mean "the server is busy or briefly away", not "the request is wrong"."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in RETRY_STATUSES
    if isinstance(exc, httpx.TransportError):
        return True
    return "database is locked" in str(exc)


async def retry_busy(
    call: Callable[[], Awaitable[T]],
    what: str,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
    budget_seconds: float | None = None,
) -> T:
    """Await `call()`; on a busy-server error wait (0.5 s, 1 s, 2 s, … up to 8 s, with jitter) and try again."""
    budget = busy_retry_budget() if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    delay = FIRST_DELAY_SECONDS
    attempt = 1
    while True:
        try:
            return await call()
        except Exception as exc:
            remaining = deadline - time.monotonic()
            if not is_busy_error(exc) or remaining <= 0:
                raise
            wait = min(delay * random.uniform(0.8, 1.2), remaining)
            if logger is not None:
                logger.warning(
                    "%s: the Prefect API is busy (%s: %s); attempt %s, retrying in %.1f s",
                    what, type(exc).__name__, str(exc).splitlines()[0][:200], attempt, wait,
                )
            await asyncio.sleep(wait)
            delay = min(delay * 2, MAX_DELAY_SECONDS)
            attempt += 1
