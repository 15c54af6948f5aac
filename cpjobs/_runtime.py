"""The engine both workers run: the poll loop, each job's life, and shutdown.

Every job the worker acknowledges gets a result: the handler's, a failure
built from the exception it raised, or, when the worker stops before the
handler ends, the handler's last checkpoint (a continuation) or a
``SystemUnavailable`` failure.

One poll loop owns every job task: it keeps at most ``max_concurrency`` of
them, asks each poll only for the free slots, and on the way out waits for
them (``shutdown_grace``), cancels the handlers still running, waits again
for their reports, and only then returns.

With an event source (`EventWakeup`, run in a task of its own for as long
as the loop runs), an idle loop waits up to ``wakeup_idle_ceiling`` instead
of the backoff's ceiling and polls as soon as the source signals; while the
queue cannot be read it falls back to the backoff.

Read top to bottom: `Runtime.run` and the poll loop, then one job's life
(`_run_job`: claim, handle, report), then shutdown (`_drain`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import traceback
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any, Final, Generic, TypeVar

from ._claims import PLAIN_SUCCESS, Claimed, JobSource, Skip
from ._client import JobsClient
from ._context import JobContext
from ._errors import (
    ArtifactAccessDenied,
    CPJobsError,
    InvalidField,
    InvalidJobState,
    JobNotFound,
    OutputVariablesSizeExceeded,
    ValidationException,
    WorkerAlreadyRun,
)
from ._events import (
    JobFinished,
    JobResult,
    JobSkipped,
    JobStarted,
    Polled,
    PollFailed,
    Recorder,
    SkipReason,
    WorkerStats,
    origin,
)
from ._models import (
    FailureDetails,
    FailureType,
    Job,
    ThirdPartyJob,
    ThirdPartyJobDetails,
)
from ._options import Settings
from ._outcomes import Continue, Failure, Outcome, Success
from ._redact import LOG_LIMIT, MESSAGE_LIMIT, describe, redact
from ._signals import handling_signals
from ._wakeup import EventWakeup

__all__ = ["Runtime"]

logger = logging.getLogger("cpjobs.worker")

#: A handler that goes on after being cancelled is cancelled again every
#: ``cancel_wait`` seconds, and left behind after this many rounds.
_CANCEL_ROUNDS: Final = 3

#: Seconds between touches of the health file.
HEARTBEAT_INTERVAL: Final = 1.0

#: The debug line for each way a job ends, made once.
_ENDED: Final = {result: f"job {result.value}" for result in JobResult}

PolledT = TypeVar("PolledT", Job, ThirdPartyJob)
JobT = TypeVar("JobT", Job, ThirdPartyJobDetails)
_R = TypeVar("_R")
_A = TypeVar("_A")


class Runtime(Generic[PolledT, JobT]):
    """Polling, handling, reporting and shutdown, for one job source."""

    def __init__(
        self,
        client: JobsClient,
        source: JobSource[PolledT, JobT],
        handler: Callable[[JobT, JobContext], Awaitable[Outcome | None]],
        settings: Settings,
        recorder: Recorder,
        wakeup: EventWakeup | None = None,
    ) -> None:
        self._client = client
        self._wakeup = wakeup
        self._source: JobSource[PolledT, JobT] = source
        self._handler: Callable[[JobT, JobContext], Awaitable[Outcome | None]] = handler
        self._settings = settings
        self._recorder = recorder
        self._counters = recorder.counters
        self._clock = settings.clock
        self._tasks: set[asyncio.Task[None]] = set()
        #: The job tasks whose handler runs, with their job and start time.
        self._in_handler: dict[asyncio.Task[Any], tuple[Claimed[JobT], float]] = {}
        #: Job tasks whose handler ignored cancellation: counted unreported,
        #: held here until they end, and never reported.
        self._left_behind: set[asyncio.Task[Any]] = set()
        self._started = False
        self._stopping = False
        self._abandoning = False
        #: A stopped job that came with a token and made no checkpoint is
        #: handed off with that token (another worker resumes it).
        self._hand_back_token = True
        #: Done once `stop` is called; made by `run`, on the running loop.
        self._stop_signal: asyncio.Future[None] | None = None
        #: The task polling right now, and whether `stop` cancelled its poll.
        self._polling: asyncio.Task[Any] | None = None
        self._poll_cut = False
        self._slot_freed = asyncio.Event()
        #: The same, for the event source (the poll loop clears its own).
        self._room_freed = asyncio.Event()
        self._grace_over = asyncio.Event()
        #: Why a job whose handler the stop cancelled is failed or handed off.
        self.stop_reason = "worker stopped"

    @property
    def stats(self) -> WorkerStats:
        return self._counters.snapshot(len(self._tasks))

    def stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        logger.info("stopping: %d jobs in flight", len(self._tasks))
        if self._stop_signal is not None and not self._stop_signal.done():
            self._stop_signal.set_result(None)
        if self._polling is not None:
            self._poll_cut = True
            self._polling.cancel()
        self._slot_freed.set()

    async def run(self, *, handle_signals: bool) -> None:
        if self._started:
            msg = "a worker runs once: create a new one"
            raise WorkerAlreadyRun(msg)
        self._started = True
        self._stop_signal = asyncio.get_running_loop().create_future()
        grace = self._settings.shutdown_grace
        async with contextlib.AsyncExitStack() as stack:
            if self._settings.owns_client:
                await stack.enter_async_context(self._client)
            await self._source.learn()
            if handle_signals:
                stack.enter_context(handling_signals(self))
            if self._settings.health_file is not None:
                await stack.enter_async_context(_beating(self._settings.health_file))
            try:
                await self._poll_while_listening()
            except asyncio.CancelledError:
                self._stopping = True
                await self._drain(grace=0.0)
                raise
            except BaseException:
                self._stopping = True
                await self._drain(grace=grace)
                raise
            self._stopping = True
            await self._drain(grace=grace)

    async def run_one(
        self, item: PolledT, *, within: float, hand_back_token: bool = True
    ) -> None:
        """Work one job without polling: claim, handle, report.

        A handler still running after ``within`` seconds is cancelled and its
        job reported as a stopped one is (see `_abandoned`); without
        ``hand_back_token``, a continued job with no new checkpoint fails
        instead of being handed off with the token it came with.
        """
        if self._started:
            msg = "a worker runs once: create a new one"
            raise WorkerAlreadyRun(msg)
        self._started = True
        self._hand_back_token = hand_back_token
        self._stopping = True
        task = asyncio.create_task(self._run_job(item))
        self._tasks.add(task)
        task.add_done_callback(self._job_done)
        await self._drain(grace=within)

    def signalled(self) -> None:
        """SIGTERM or SIGINT: stop, or if stopping already, cut the grace short."""
        if self._stopping:
            logger.warning("signalled again: cutting the grace period short")
            self._grace_over.set()
        else:
            self.stop()

    async def _poll_while_listening(self) -> None:
        """The poll loop, with the event source running beside it if there is one."""
        wakeup = self._wakeup
        if wakeup is None:
            await self._poll_loop()
            return
        task = asyncio.create_task(wakeup.run(self._room))
        try:
            await self._poll_loop()
        finally:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise

    async def _room(self) -> int:
        """Wait until a slot is free; return how many are."""
        while (free := self._settings.max_concurrency - len(self._tasks)) <= 0:
            self._room_freed.clear()
            await self._room_freed.wait()
        return free

    # --- the poll loop -----------------------------------------------------------

    async def _poll_loop(self) -> None:
        misses = 0
        counters, recorder = self._counters, self._recorder
        backoff, rng = self._settings.poll_backoff, self._settings.rng
        max_concurrency = self._settings.max_concurrency
        wakeup = self._wakeup
        while not self._stopping:
            free = max_concurrency - len(self._tasks)
            if free <= 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                if len(self._tasks) > 0:
                    # Jobs ending in the same loop turn free their slots in
                    # the next one: let them, so one poll asks for them all.
                    await asyncio.sleep(0)
                continue
            counters.polls += 1
            number = wakeup.poll_starting() if wakeup is not None else 0
            try:
                items = await self._poll_unless_stopped(free)
            except CPJobsError as error:
                if not error.retryable:
                    logger.error("poll failed, stopping: %s", error)
                    raise
                counters.poll_errors += 1
                delay = backoff.delay(misses, rng)
                misses += 1
                logger.warning("poll failed, next in %.2fs: %s", delay, error)
                if recorder.listening:
                    recorder.emit(PollFailed(error=error, delay=delay))
                await self._unless_stopped(self._rest, delay)
                continue
            if items is None or self._stopping:
                # Stopped while polling. Jobs the poll may have brought are
                # not acknowledged: CodePipeline hands them out again once
                # their dispatch times out.
                return
            if wakeup is not None:
                wakeup.poll_answered(number)
            if recorder.listening:
                recorder.emit(Polled(requested=free, received=len(items)))
            if not items:
                counters.empty_polls += 1
                if self._settings.burst:
                    if not self._tasks:
                        logger.info("burst: the queue is empty, stopping")
                        return
                    # Poll again once a job ends, not after a backoff.
                    self._slot_freed.clear()
                    await self._slot_freed.wait()
                    continue
                delay = self._idle_delay(misses)
                misses += 1
                await self._unless_stopped(self._rest, delay)
                continue
            misses = 0
            for item in items:
                task = asyncio.create_task(self._run_job(item))
                self._tasks.add(task)
                task.add_done_callback(self._job_done)

    def _idle_delay(self, misses: int) -> float:
        """The wait after an empty poll: long while events can wake the loop."""
        wakeup, settings = self._wakeup, self._settings
        if wakeup is not None and wakeup.healthy:
            ceiling = settings.wakeup_idle_ceiling
            return (settings.rng or random).uniform(ceiling / 2, ceiling)
        return settings.poll_backoff.delay(misses, settings.rng)

    async def _rest(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or until the event source signals."""
        wakeup = self._wakeup
        if wakeup is None:
            await self._settings.sleep(delay)
            return
        if wakeup.signal.is_set():
            return
        waits = (
            asyncio.ensure_future(self._settings.sleep(delay)),
            asyncio.ensure_future(wakeup.signal.wait()),
        )
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            await asyncio.wait(waits)

    async def _poll_unless_stopped(self, free: int) -> Sequence[PolledT] | None:
        """Poll for ``free`` jobs; ``None`` if `stop` cut the poll short.

        The poll runs in this task, not one of its own (a task per poll costs
        a job at concurrency 1 several percent): `stop` cancels this task
        while it polls, and the cancellation is taken back here.
        """
        task = asyncio.current_task()
        self._polling = task
        try:
            return await self._source.poll(free)
        except asyncio.CancelledError:
            if not self._poll_cut or _cancelled_by_others(task):
                raise
            return None
        finally:
            self._polling = None

    async def _unless_stopped(
        self, call: Callable[[_A], Awaitable[_R]], argument: _A
    ) -> _R | None:
        """Await ``call(argument)`` unless `stop` comes first: then cancel it, ``None``."""
        stop = self._stop_signal
        if self._stopping or stop is None:
            return None
        work = asyncio.ensure_future(call(argument))
        try:
            await asyncio.wait((work, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not work.done():
                work.cancel()
                await asyncio.wait((work,))
        return None if work.cancelled() else work.result()

    def _job_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slot_freed.set()
        self._room_freed.set()
        if not task.cancelled() and (error := task.exception()) is not None:
            # Type and frames only: the message may quote a secret.
            logger.error(
                "job task failed with %s:\n%s",
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)).rstrip(),
            )

    # --- one job: claim, handle, report -----------------------------------------

    async def _run_job(self, item: PolledT) -> None:
        try:
            claimed = await self._source.claim(item)
        except Skip as skip:
            self._skipped(self._source.polled_id(item), skip)
            return
        started = self._clock()
        if self._abandoning:
            # Acknowledged after the grace period: report without working.
            await self._report(claimed, self._abandoned(claimed), started)
            return
        self._counters.jobs_started += 1
        logger.debug("job started", extra=claimed.extra)
        recorder = self._recorder
        if recorder.listening:
            recorder.emit(JobStarted(job_id=claimed.job_id, **origin(claimed.extra)))
        try:
            outcome = await self._handle(claimed, started)
        except asyncio.CancelledError as cancelled:
            if not self._abandoning:
                # Not the worker's doing: something the handler awaited.
                await self._report(claimed, self._crashed(claimed, cancelled), started)
                return
            await self._report(claimed, self._abandoned(claimed), started)
            raise
        except BaseException as error:  # KeyboardInterrupt, SystemExit, ...
            await self._report(claimed, self._crashed(claimed, error), started)
            raise
        await self._report(claimed, outcome, started)

    def _skipped(self, job_id: str, skip: Skip) -> None:
        if skip.reason is SkipReason.RACE_LOST:
            self._counters.races_lost += 1
        else:
            self._counters.skipped += 1
        if self._recorder.listening:
            where = origin(skip.extra) if skip.extra is not None else {}
            self._recorder.emit(
                JobSkipped(job_id=job_id, reason=skip.reason, error=skip.error, **where)
            )

    async def _handle(self, claimed: Claimed[JobT], started: float) -> Outcome:
        task = asyncio.current_task()
        assert task is not None
        self._in_handler[task] = (claimed, started)
        try:
            result = await self._handler(claimed.job, claimed.context)
        except Exception as error:
            if self._abandoning and task.cancelling():
                # The stop cancelled it and its cleanup raised: still a stop.
                return self._abandoned(claimed)
            return self._crashed(claimed, error)
        finally:
            del self._in_handler[task]
            await self._close_context(claimed)
        if result is None:
            return PLAIN_SUCCESS
        if isinstance(result, (Success, Continue, Failure)):
            return result
        return self._crashed(
            claimed,
            TypeError(
                f"the handler returned a {type(result).__name__}, not an outcome"
            ),
        )

    async def _close_context(self, claimed: Claimed[JobT]) -> None:
        """Close what the handler opened through its context (the artifact store)."""
        try:
            await claimed.context.aclose()
        except Exception as error:
            logger.warning(
                "closing the artifact store failed: %s",
                redact(describe(error), claimed.secrets()),
                extra=claimed.extra,
            )

    def _abandoned(self, claimed: Claimed[JobT]) -> Outcome:
        """What to report for a job whose handler the stop cancelled."""
        context = claimed.context
        checkpoint = context.last_checkpoint
        if checkpoint is not None:
            logger.warning("stopped: handing the job off", extra=claimed.extra)
            return checkpoint
        if self._hand_back_token and context.continuation_token is not None:
            logger.warning(
                "stopped: handing the job off with the token it came with",
                extra=claimed.extra,
            )
            return Continue(context.continuation_token)
        logger.warning("stopped: failing the job", extra=claimed.extra)
        return Failure(self.stop_reason, type=FailureType.SYSTEM_UNAVAILABLE)

    def _crashed(self, claimed: Claimed[JobT], error: BaseException) -> Failure:
        """A failure for a handler's exception, logged; neither shows a secret."""
        secrets = claimed.secrets()
        message = redact(describe(error), secrets, limit=MESSAGE_LIMIT)
        trace = redact(
            "".join(traceback.TracebackException.from_exception(error).format()),
            secrets,
            limit=LOG_LIMIT,
        )
        # The traceback goes into the message, redacted, not as exc_info: a
        # handler or formatter would render the original, secrets and all.
        logger.error("handler failed: %s", trace.rstrip(), extra=claimed.extra)
        if isinstance(error, ArtifactAccessDenied):
            return Failure(message, type=FailureType.PERMISSION_ERROR)
        return Failure(message)

    async def _report(
        self, claimed: Claimed[JobT], outcome: Outcome, started: float
    ) -> None:
        if asyncio.current_task() in self._left_behind:
            logger.warning(
                "the handler left behind ended: its job is not reported",
                extra=claimed.extra,
            )
            return
        try:
            if isinstance(outcome, Failure):
                result = await self._deliver_failure(claimed, outcome)
                failure_type = outcome.type if result is JobResult.FAILED else None
            else:
                result, failure_type = await self._deliver_success(claimed, outcome)
        except asyncio.CancelledError:
            self._finished(claimed, JobResult.UNREPORTED, None, started)
            raise
        self._finished(claimed, result, failure_type, started)

    def _finished(
        self,
        claimed: Claimed[JobT],
        result: JobResult,
        failure_type: FailureType | None,
        started: float,
    ) -> None:
        """Count, log and tell of a job's end."""
        self._counters.count_result(result)
        logger.debug(_ENDED[result], extra=claimed.extra)
        recorder = self._recorder
        if recorder.listening:
            recorder.emit(
                JobFinished(
                    job_id=claimed.job_id,
                    result=result,
                    failure_type=failure_type,
                    duration=self._clock() - started,
                    **origin(claimed.extra),
                )
            )

    async def _deliver_success(
        self, claimed: Claimed[JobT], outcome: Success | Continue
    ) -> tuple[JobResult, FailureType | None]:
        """Report a success; one rejected for its content is reported as a failure."""
        try:
            await claimed.report_success(outcome)
        except (
            InvalidField,
            OutputVariablesSizeExceeded,
            ValidationException,
        ) as error:
            rejected = redact(str(error), claimed.secrets(), limit=MESSAGE_LIMIT)
            logger.warning(
                "success rejected, reporting failure: %s", rejected, extra=claimed.extra
            )
            failure = Failure(f"The job's result was rejected: {rejected}")
            result = await self._deliver_failure(claimed, failure)
            return result, failure.type if result is JobResult.FAILED else None
        except Exception as error:
            return self._undelivered(claimed, error), None
        if isinstance(outcome, Continue):
            return JobResult.CONTINUED, None
        return JobResult.SUCCEEDED, None

    async def _deliver_failure(
        self, claimed: Claimed[JobT], failure: Failure
    ) -> JobResult:
        details = FailureDetails(
            type=failure.type,
            message=_trim(failure.message) or failure.type.value,
            external_execution_id=failure.external_execution_id,
        )
        try:
            await claimed.report_failure(details)
        except Exception as error:
            return self._undelivered(claimed, error)
        return JobResult.FAILED

    def _undelivered(self, claimed: Claimed[JobT], error: Exception) -> JobResult:
        if isinstance(error, (InvalidJobState, JobNotFound)):
            logger.warning(
                "job no longer takes a result (timed out?): %s",
                redact(str(error), claimed.secrets(), limit=MESSAGE_LIMIT),
                extra=claimed.extra,
            )
        else:
            logger.error(
                "reporting failed: %s",
                redact(describe(error), claimed.secrets()),
                extra=claimed.extra,
            )
        return JobResult.UNREPORTED

    # --- shutdown ------------------------------------------------------------------

    async def _drain(self, *, grace: float) -> None:
        """Let the job tasks end: ``grace`` seconds, then cancel the handlers.

        Claims and reports under way are awaited. A cancellation while doing
        so cuts the grace short; a second one gives up on the reports.
        """
        cancelled = False
        try:
            await self._wait_for_jobs(self._tasks, grace, interruptible=True)
        except asyncio.CancelledError:
            cancelled = True
        self._abandoning = True
        for task in tuple(self._in_handler):
            task.cancel()
        try:
            await self._wait_for_reports()
        except asyncio.CancelledError:
            logger.error("cancelled again: %d jobs left unreported", len(self._tasks))
            tasks = tuple(self._tasks)
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait(tasks, timeout=self._settings.cancel_wait)
            raise
        if cancelled:
            raise asyncio.CancelledError

    async def _wait_for_reports(self) -> None:
        """Wait for the job tasks after their handlers were cancelled.

        A handler that goes on after being cancelled is cancelled again a few
        times, then left behind: its job stays unreported, and is logged.
        """
        rounds = 0
        cancel_wait = self._settings.cancel_wait
        while self._tasks:
            await self._wait_for_jobs(self._tasks, cancel_wait, interruptible=False)
            stubborn = self._in_handler.keys() & self._tasks
            if not stubborn:
                continue
            rounds += 1
            if rounds < _CANCEL_ROUNDS:
                logger.warning("%d handlers ignore cancellation", len(stubborn))
                for task in stubborn:
                    task.cancel()
            else:
                logger.error(
                    "%d handlers ignore cancellation: leaving their jobs unreported",
                    len(stubborn),
                )
                self._leave_behind(stubborn)

    def _leave_behind(self, tasks: set[asyncio.Task[Any]]) -> None:
        """Stop waiting for ``tasks``: count their jobs unreported, never report them."""
        for task in tasks:
            self._tasks.discard(task)
            self._left_behind.add(task)
            task.add_done_callback(self._left_behind.discard)
            claimed, started = self._in_handler[task]
            self._finished(claimed, JobResult.UNREPORTED, None, started)

    async def _wait_for_jobs(
        self, tasks: set[asyncio.Task[None]], timeout: float, *, interruptible: bool
    ) -> None:
        """Wait until ``tasks`` end or ``timeout`` passes.

        If ``interruptible``, a second signal cuts the wait short too.
        """
        if not tasks or timeout <= 0:
            return
        if interruptible and self._grace_over.is_set():
            return
        waiters: set[asyncio.Future[Any]] = {
            asyncio.ensure_future(asyncio.wait(set(tasks)))
        }
        if interruptible:
            waiters.add(asyncio.ensure_future(self._grace_over.wait()))
        try:
            await asyncio.wait(
                waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
            # Let them end now: a waiter still cancelling would outlive `run`.
            await asyncio.wait(waiters)


@contextlib.asynccontextmanager
async def _beating(path: str | os.PathLike[str]) -> AsyncGenerator[None]:
    """Touch ``path`` now and every second until the block ends.

    The touch runs in a thread (a file system may block); the heartbeat
    stops when the event loop does not turn, e.g. a handler blocks it.
    """
    await asyncio.to_thread(_touch, path)
    heart = asyncio.create_task(_beat(path))
    try:
        yield
    finally:
        heart.cancel()
        await asyncio.wait((heart,))


async def _beat(path: str | os.PathLike[str]) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_INTERVAL)
        try:
            await asyncio.to_thread(_touch, path)
        except OSError as error:
            logger.warning("cannot touch the health file: %s", error)


def _touch(path: str | os.PathLike[str]) -> None:
    with open(path, "a"):
        os.utime(path)


def _cancelled_by_others(task: asyncio.Task[Any] | None) -> bool:
    """Whether ``task`` has cancellations pending besides the one taken back."""
    return task is not None and task.uncancel() > 0


def _trim(message: str) -> str:
    """A failure message within the service's limit: 1 to 5000 characters."""
    if len(message) > MESSAGE_LIMIT:
        return message[: MESSAGE_LIMIT - 3] + "..."
    return message
