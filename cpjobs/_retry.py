"""Calls about a job (acknowledge, details, report), sent again on transient errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

from ._errors import CPJobsError
from ._events import Recorder, RetryScheduled, origin
from ._options import Settings

__all__ = ["Retrier"]

logger = logging.getLogger("cpjobs.worker")

R = TypeVar("R")

#: The calls that report a result; the others claim a job or fetch it.
_REPORTS: Final = frozenset(
    {
        "PutJobSuccessResult",
        "PutJobFailureResult",
        "PutThirdPartyJobSuccessResult",
        "PutThirdPartyJobFailureResult",
    }
)


class Retrier:
    """Sends a call again on transient errors, ``retry_attempts`` times at most."""

    __slots__ = ("_attempts", "_backoff", "_recorder", "_rng", "_sleep")

    def __init__(self, settings: Settings, recorder: Recorder) -> None:
        self._attempts = settings.retry_attempts
        self._backoff = settings.retry_backoff
        self._sleep = settings.sleep
        self._rng = settings.rng
        self._recorder = recorder

    async def call(
        self, extra: dict[str, Any], operation: str, call: Callable[[], Awaitable[R]]
    ) -> R:
        """``call()``, retried; the last error is raised."""
        attempt = 0
        while True:
            try:
                return await call()
            except CPJobsError as error:
                if not error.retryable or attempt + 1 >= self._attempts:
                    raise
                attempt += 1
                await self._wait(extra, operation, error, attempt)

    async def report(
        self,
        extra: dict[str, Any],
        operation: str,
        call: Callable[[], Awaitable[object]],
    ) -> None:
        """Send a result, retried; the last error is raised."""
        await self.call(extra, operation, call)

    async def _wait(
        self, extra: dict[str, Any], operation: str, error: CPJobsError, attempt: int
    ) -> None:
        delay = self._backoff.delay(attempt - 1, self._rng)
        recorder = self._recorder
        if operation in _REPORTS:
            recorder.counters.report_retries += 1
        else:
            recorder.counters.claim_retries += 1
        logger.info(
            "%s failed (attempt %d), again in %.2fs: %s",
            operation,
            attempt,
            delay,
            error,
            extra=extra,
        )
        if recorder.listening:
            recorder.emit(
                RetryScheduled(
                    job_id=extra["job_id"],
                    operation=operation,
                    error=error,
                    attempt=attempt,
                    delay=delay,
                    **origin(extra),
                )
            )
        await self._sleep(delay)
