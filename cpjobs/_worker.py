"""The worker runtime: `JobWorker` (custom actions) and `ThirdPartyJobWorker`.

A worker polls for jobs of one action type, claims each (acknowledges it with
its nonce), runs the handler in a task of its own, and reports the outcome.
Every job it acknowledges gets a result: the handler's, a failure built from
the exception it raised, or, when the worker stops before the handler ends,
the handler's last checkpoint (a continuation) or a ``SystemUnavailable``
failure.

One poll loop owns every job task: it keeps at most ``max_concurrency`` of
them, asks each poll only for the free slots, and on the way out waits for
them (``shutdown_grace``), cancels the handlers still running, waits again
for their reports, and only then returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import json
import logging
import random
import signal
import time
import traceback
import urllib.parse
from collections.abc import (
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    MutableMapping,
    Sequence,
)
from types import FrameType
from typing import Any, Final, Generic, TypedDict, TypeVar

import attrs
from typing_extensions import Unpack

from ._backoff import Backoff
from ._client import JobsClient
from ._errors import (
    CPJobsError,
    InvalidClientToken,
    InvalidField,
    InvalidJobState,
    InvalidNonce,
    JobNotFound,
    OutputVariablesSizeExceeded,
    ValidationException,
)
from ._models import (
    ActionOwner,
    ActionTypeId,
    AWSSessionCredentials,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    Job,
    JobData,
    JobStatus,
    PipelineContext,
    PollForJobsInput,
    PollForThirdPartyJobsInput,
    ThirdPartyJob,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from ._outcomes import Continue, Failure, Outcome, Success

__all__ = [
    "ClientTokenProvider",
    "JobContext",
    "JobFinished",
    "JobHandler",
    "JobResult",
    "JobSkipped",
    "JobStarted",
    "JobWorker",
    "PollFailed",
    "Polled",
    "RetryScheduled",
    "SkipReason",
    "ThirdPartyJobHandler",
    "ThirdPartyJobWorker",
    "WorkerEvent",
    "WorkerOptions",
    "WorkerStats",
]

logger = logging.getLogger("cpjobs.worker")

#: FailureDetails.message's limit.
_MESSAGE_LIMIT: Final = 5000
#: Shorter configuration values are not redacted: they cannot hold a secret
#: worth the name, and replacing every "on" or "1" would garble the message.
_MIN_SECRET_LENGTH: Final = 4
_REDACTED: Final = "***"

#: Retries of one call about a job (ack, details, result). botocore already
#: retries each call a few times; this rides out several more seconds of
#: throttling or outage (at most 0.2 + 0.4 + 0.8 + 1.6 + 3.2 s of waiting)
#: and still gives up in time to leave the action's timeout to CodePipeline.
DEFAULT_RETRY_BACKOFF: Final = Backoff(initial=0.2, maximum=5.0)
DEFAULT_RETRY_ATTEMPTS: Final = 6
#: Seconds in-flight jobs get to finish after `stop`: ECS and Kubernetes kill
#: 30 s after SIGTERM, which leaves the cancelled jobs time to report.
DEFAULT_SHUTDOWN_GRACE: Final = 20.0
#: Jobs in flight at once: enough to overlap the I/O most handlers do.
DEFAULT_MAX_CONCURRENCY: Final = 8
#: A handler that goes on after being cancelled is cancelled again every
#: `_CANCEL_WAIT` seconds, and left behind after `_CANCEL_ROUNDS` of them.
_CANCEL_WAIT: Final = 5.0
_CANCEL_ROUNDS: Final = 3


#: Waits after empty or failed polls: see `Backoff` for its defaults.
DEFAULT_POLL_BACKOFF: Final = Backoff()


class WorkerOptions(TypedDict, total=False):
    """The keyword options both workers take (see `JobWorker`)."""

    max_concurrency: int
    poll_backoff: Backoff
    retry_backoff: Backoff
    retry_attempts: int
    shutdown_grace: float
    owns_client: bool
    on_event: Callable[[WorkerEvent], object] | None
    sleep: Callable[[float], Awaitable[object]]
    clock: Callable[[], float]
    rng: random.Random | None


# --- observability ---------------------------------------------------------


@attrs.frozen(kw_only=True)
class WorkerStats:
    """A snapshot of a worker's counters."""

    #: Poll requests sent, those that brought no job, and those that failed.
    polls: int = 0
    empty_polls: int = 0
    poll_errors: int = 0
    #: Jobs acknowledged and handed to the handler.
    jobs_started: int = 0
    #: Jobs reported, by result.
    succeeded: int = 0
    failed: int = 0
    continued: int = 0
    #: Jobs whose result could not be delivered (timed out, or reports kept failing).
    unreported: int = 0
    #: Jobs another worker claimed first (InvalidNonce, or not InProgress).
    races_lost: int = 0
    #: Polled jobs not worked for another reason (see `SkipReason`).
    skipped: int = 0
    #: Retries of result reports, and of acknowledgements and job details.
    report_retries: int = 0
    claim_retries: int = 0
    #: Jobs between their poll and their report right now.
    in_flight: int = 0


class JobResult(str, enum.Enum):
    """How a job ended for this worker."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CONTINUED = "continued"
    UNREPORTED = "unreported"


class SkipReason(str, enum.Enum):
    """Why a polled job was not worked."""

    #: Another worker acknowledged it first.
    RACE_LOST = "race_lost"
    #: The client token provider does not know the job's client id.
    UNKNOWN_CLIENT = "unknown_client"
    #: The service rejected the client token.
    INVALID_CLIENT_TOKEN = "invalid_client_token"
    #: Acknowledging or fetching it failed for good.
    CLAIM_FAILED = "claim_failed"


@attrs.frozen(kw_only=True)
class Polled:
    """A poll came back: how many jobs were asked for and received."""

    requested: int
    received: int


@attrs.frozen(kw_only=True)
class PollFailed:
    """A poll failed with a transient error; the next waits ``delay`` seconds."""

    error: CPJobsError
    delay: float


@attrs.frozen(kw_only=True)
class JobStarted:
    """A job was acknowledged and handed to the handler."""

    job_id: str


@attrs.frozen(kw_only=True)
class JobSkipped:
    """A polled job was not worked."""

    job_id: str
    reason: SkipReason
    error: CPJobsError | None = None


@attrs.frozen(kw_only=True)
class RetryScheduled:
    """A call about a job failed transiently and will be sent again."""

    job_id: str
    operation: str
    error: CPJobsError
    attempt: int
    delay: float


@attrs.frozen(kw_only=True)
class JobFinished:
    """A job's result was reported (or could not be)."""

    job_id: str
    result: JobResult
    failure_type: FailureType | None
    #: Seconds from acknowledgement to report, on the worker's clock.
    duration: float


WorkerEvent = (
    Polled | PollFailed | JobStarted | JobSkipped | RetryScheduled | JobFinished
)


class _Counters:
    """The mutable counters behind `WorkerStats`."""

    __slots__ = (
        "claim_retries",
        "continued",
        "empty_polls",
        "failed",
        "jobs_started",
        "poll_errors",
        "polls",
        "races_lost",
        "report_retries",
        "skipped",
        "succeeded",
        "unreported",
    )

    def __init__(self) -> None:
        self.polls = self.empty_polls = self.poll_errors = 0
        self.jobs_started = self.succeeded = self.failed = self.continued = 0
        self.unreported = self.races_lost = self.skipped = 0
        self.report_retries = self.claim_retries = 0

    def snapshot(self, in_flight: int) -> WorkerStats:
        return WorkerStats(
            **{name: getattr(self, name) for name in self.__slots__},
            in_flight=in_flight,
        )


# --- what a handler gets -----------------------------------------------------

AnyJobData = JobData | ThirdPartyJobData


def _secret_strings(data: AnyJobData | None) -> set[str]:
    """The values of ``data`` no message may show: configuration and credentials."""
    found: set[str] = set()
    if data is None:
        return found
    configuration = data.action_configuration
    if configuration is not None and configuration.configuration:
        found.update(configuration.configuration.values())
    credentials = data.artifact_credentials
    if credentials is not None:
        found.update(
            (
                credentials.access_key_id,
                credentials.secret_access_key,
                credentials.session_token,
            )
        )
    return found


def _redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, as written and as commonly escaped."""
    variants: set[str] = set()
    for secret in secrets:
        if len(secret) >= _MIN_SECRET_LENGTH:
            variants.update(_spellings(secret))
    # Longest first, so a secret containing another is replaced whole.
    for variant in sorted(variants, key=len, reverse=True):
        if variant in text:
            text = text.replace(variant, _REDACTED)
    return text


def _spellings(secret: str) -> tuple[str, ...]:
    """How a secret may appear in a message: raw, in a repr, JSON or a URL."""
    return (
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    )


def _cancelled_by_others(task: asyncio.Task[Any] | None) -> bool:
    """Whether ``task`` has cancellations pending besides the one taken back.

    Python 3.10 cannot tell (no ``Task.uncancel``): there a cancellation that
    coincides with `stop` during a poll ends the poll like the stop does.
    """
    uncancel = getattr(task, "uncancel", None)
    return uncancel is not None and uncancel() > 0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(error: BaseException) -> str:
    """``Type: message`` for an exception, even one whose ``str()`` fails."""
    name = type(error).__name__
    try:
        described = str(error)
    except Exception:
        described = "<str() failed>"
    return f"{name}: {described}" if described else name


def _trim(message: str) -> str:
    """A failure message within the service's limit: 1 to 5000 characters."""
    if len(message) > _MESSAGE_LIMIT:
        return message[: _MESSAGE_LIMIT - 3] + "..."
    return message


def _log_extra(job_id: str, data: AnyJobData | None) -> dict[str, Any]:
    """The ``extra`` of every log record about a job: where it comes from."""
    context = data.pipeline_context if data is not None else None
    if context is None:
        return {
            "job_id": job_id,
            "pipeline": None,
            "execution_id": None,
            "stage": None,
            "action": None,
        }
    return {
        "job_id": job_id,
        "pipeline": context.pipeline_name,
        "execution_id": context.pipeline_execution_id,
        "stage": context.stage.name if context.stage is not None else None,
        "action": context.action.name if context.action is not None else None,
    }


class _JobLogger(logging.LoggerAdapter):  # type: ignore[type-arg]  # generic in stubs only
    """Adds the job's fields to each record's ``extra``, keeping the caller's."""

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


class JobContext:
    """What a handler gets besides the job: where it runs, and help from the worker.

    Attributes:
        job_id: The job's id.
        logger: A logger adapter whose records carry the job id, pipeline,
            execution id, stage and action as ``extra``.
    """

    __slots__ = ("_checkpoint", "_data", "_refresh", "_secrets", "job_id", "logger")

    def __init__(
        self,
        *,
        job_id: str,
        data: AnyJobData | None,
        extra: dict[str, Any],
        refresh: Callable[[], Awaitable[AnyJobData | None]],
        secrets: set[str],
    ) -> None:
        self.job_id = job_id
        self.logger: logging.LoggerAdapter[logging.Logger] = _JobLogger(logger, extra)
        self._data = data
        self._refresh = refresh
        self._secrets = secrets
        self._checkpoint: Continue | None = None

    @property
    def pipeline_context(self) -> PipelineContext | None:
        """The pipeline, stage, action and execution the job belongs to."""
        return self._data.pipeline_context if self._data is not None else None

    @property
    def configuration(self) -> Mapping[str, str]:
        """The action's configuration (empty if it has none)."""
        configuration = (
            self._data.action_configuration if self._data is not None else None
        )
        if configuration is None or configuration.configuration is None:
            return {}
        return configuration.configuration

    @property
    def continuation_token(self) -> str | None:
        """The token a previous job of this action continued with, if any."""
        return self._data.continuation_token if self._data is not None else None

    @property
    def artifact_credentials(self) -> AWSSessionCredentials | None:
        """The newest artifact credentials (see `refresh_credentials`)."""
        return self._data.artifact_credentials if self._data is not None else None

    async def refresh_credentials(self) -> AWSSessionCredentials:
        """Fetch fresh artifact credentials (they last about 15 minutes).

        Raises:
            CPJobsError: If the job's details cannot be fetched or carry none.
        """
        data = await self._refresh()
        if data is None or data.artifact_credentials is None:
            msg = f"job {self.job_id}: its details carry no artifact credentials"
            raise CPJobsError(msg)
        self._data = data
        self._secrets.update(_secret_strings(data))
        return data.artifact_credentials

    def checkpoint(
        self,
        continuation_token: str,
        *,
        percent_complete: int | None = None,
        summary: str | None = None,
    ) -> None:
        """Record how far the job got, for a worker that stops before it ends.

        If the worker stops and the handler is still running after the grace
        period, the job is reported as continued with this token (CodePipeline
        then hands a new job carrying it to any worker) instead of failed.
        """
        details = None if summary is None else ExecutionDetails(summary=summary)
        self._checkpoint = Continue(
            continuation_token,
            execution_details=details,
            percent_complete=percent_complete,
        )

    @property
    def last_checkpoint(self) -> Continue | None:
        """The last `checkpoint`, as the `Continue` a stop would report."""
        return self._checkpoint


#: ``async (job, context) -> Success | Continue | Failure | None``.
JobHandler = Callable[[Job, JobContext], Awaitable[Outcome | None]]
ThirdPartyJobHandler = Callable[
    [ThirdPartyJobDetails, JobContext], Awaitable[Outcome | None]
]
#: Maps a third-party client id to its client token; ``None`` if unknown.
ClientTokenProvider = Callable[[str], str | Awaitable[str | None] | None]

PolledT = TypeVar("PolledT", Job, ThirdPartyJob)
_R = TypeVar("_R")
_A = TypeVar("_A")
JobT = TypeVar("JobT", Job, ThirdPartyJobDetails)


@attrs.define(kw_only=True)
class _Claimed(Generic[JobT]):
    """A job this worker acknowledged and must report."""

    job_id: str
    job: JobT
    context: JobContext
    extra: dict[str, Any]
    #: What no report or log may show; `JobContext.refresh_credentials` adds to it.
    secrets: set[str] = attrs.field(repr=False)
    client_token: str | None = attrs.field(default=None, repr=False)


class _Skip(Exception):
    """A polled job is not worked; raised inside a claim."""

    def __init__(self, reason: SkipReason, error: CPJobsError | None = None) -> None:
        self.reason = reason
        self.error = error


def _require_in_progress(status: JobStatus | None, extra: dict[str, Any]) -> None:
    """Raise `_Skip` unless the acknowledged job is ours to work (InProgress)."""
    if status is not JobStatus.IN_PROGRESS:
        logger.debug("race lost: job is %s", status, extra=extra)
        raise _Skip(SkipReason.RACE_LOST)


# --- the runtime -------------------------------------------------------------


class _Worker(Generic[PolledT, JobT]):
    """Polling, claiming, handling, reporting, shutdown: all but the API calls."""

    _owner: ActionOwner

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        handler: Callable[[JobT, JobContext], Awaitable[Outcome | None]],
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        poll_backoff: Backoff = DEFAULT_POLL_BACKOFF,
        retry_backoff: Backoff = DEFAULT_RETRY_BACKOFF,
        retry_attempts: int = DEFAULT_RETRY_ATTEMPTS,
        shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE,
        owns_client: bool = False,
        on_event: Callable[[WorkerEvent], object] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        name = type(self).__name__
        if action_type_id.owner is not self._owner:
            raise InvalidField(
                f"{name}.action_type_id",
                f"has owner {action_type_id.owner.value!r}",
                f"owner {self._owner.value!r}",
            )
        if not _is_int(max_concurrency) or max_concurrency < 1:
            raise InvalidField(
                f"{name}.max_concurrency", f"is {max_concurrency!r}", "an int >= 1"
            )
        if not _is_int(retry_attempts) or retry_attempts < 1:
            raise InvalidField(
                f"{name}.retry_attempts", f"is {retry_attempts!r}", "an int >= 1"
            )
        if inspect.iscoroutinefunction(on_event):
            msg = f"{name}.on_event is called, not awaited: pass a plain function"
            raise TypeError(msg)
        if not shutdown_grace >= 0:
            raise InvalidField(f"{name}.shutdown_grace", f"is {shutdown_grace}", ">= 0")
        self._client = client
        self._action_type_id = action_type_id
        self._handler: Callable[[JobT, JobContext], Awaitable[Outcome | None]] = handler
        self._max_concurrency = max_concurrency
        self._poll_backoff = poll_backoff
        self._retry_backoff = retry_backoff
        self._retry_attempts = retry_attempts
        self._shutdown_grace = shutdown_grace
        self._owns_client = owns_client
        self._on_event = on_event
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._counters = _Counters()
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_handler: set[asyncio.Task[Any]] = set()
        self._started = False
        self._stopping = False
        self._abandoning = False
        #: Done once `stop` is called; made by `run`, on the running loop.
        self._stop_signal: asyncio.Future[None] | None = None
        #: The task polling right now, and whether `stop` cancelled its poll.
        self._polling: asyncio.Task[Any] | None = None
        self._poll_cut = False
        self._slot_freed = asyncio.Event()
        self._grace_over = asyncio.Event()
        #: Seconds between cancellations of a handler that ignores them.
        self._cancel_wait = _CANCEL_WAIT

    # --- public ------------------------------------------------------------

    @property
    def stats(self) -> WorkerStats:
        """A snapshot of the worker's counters."""
        return self._counters.snapshot(len(self._tasks))

    def stop(self) -> None:
        """Stop polling now; `run` returns once the jobs in flight are reported.

        Call it from the event loop's thread (signal handlers installed by
        ``run(handle_signals=True)`` do). Calling it again does nothing.
        """
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

    async def run(self, *, handle_signals: bool = False) -> None:
        """Work jobs until `stop` is called (or a poll fails for good).

        On stop, a poll under way is abandoned (its jobs, not acknowledged,
        go to another worker once their dispatch times out), and jobs in
        flight get ``shutdown_grace`` seconds to finish; handlers still
        running then are cancelled and their jobs reported as continued from
        their last checkpoint, or failed. If this coroutine is cancelled, the
        handlers are cancelled at once, the reports are still sent, and the
        cancellation is re-raised; cancelling it again gives up on them.

        Args:
            handle_signals: Call `stop` on SIGTERM and SIGINT while running;
                a second signal cuts the grace period short.

        Raises:
            CPJobsError: A poll failed with an error retrying will not fix
                (e.g. `ActionTypeNotFound`), after the jobs in flight were
                reported.
        """
        if self._started:
            msg = "a worker runs once: create a new one"
            raise RuntimeError(msg)
        self._started = True
        self._stop_signal = asyncio.get_running_loop().create_future()
        async with contextlib.AsyncExitStack() as stack:
            if self._owns_client:
                await stack.enter_async_context(self._client)
            if handle_signals:
                self._install_signal_handlers(stack)
            try:
                await self._poll_loop()
            except asyncio.CancelledError:
                self._stopping = True
                await self._drain(grace=0.0)
                raise
            except BaseException:
                self._stopping = True
                await self._drain(grace=self._shutdown_grace)
                raise
            self._stopping = True
            await self._drain(grace=self._shutdown_grace)

    # --- to implement --------------------------------------------------------

    async def _poll(self, batch: int) -> Sequence[PolledT]:
        raise NotImplementedError

    def _polled_id(self, item: PolledT) -> str:
        raise NotImplementedError

    async def _claim(self, item: PolledT) -> _Claimed[JobT]:
        """Acknowledge a polled job; raise `_Skip` if it is not ours to work."""
        raise NotImplementedError

    async def _put_success(
        self, claimed: _Claimed[JobT], outcome: Success | Continue
    ) -> None:
        raise NotImplementedError

    async def _put_failure(
        self, claimed: _Claimed[JobT], details: FailureDetails
    ) -> None:
        raise NotImplementedError

    # --- polling ---------------------------------------------------------------

    def _install_signal_handlers(self, stack: contextlib.AsyncExitStack) -> None:
        """Stop on SIGTERM/SIGINT (cut the grace on a second); restore them after."""
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if self._stopping:
                logger.warning("signalled again: cutting the grace period short")
                self._grace_over.set()
            else:
                self.stop()

        def on_signal_threadsafe(  # pragma: no cover - Windows
            signum: int, frame: FrameType | None
        ) -> None:
            loop.call_soon_threadsafe(on_signal)

        for signum in (signal.SIGTERM, signal.SIGINT):
            # Callbacks run last in, first out: this one after
            # remove_signal_handler, which resets to the default handler.
            stack.callback(signal.signal, signum, signal.getsignal(signum))
            try:
                loop.add_signal_handler(signum, on_signal)
            except NotImplementedError:  # pragma: no cover - Windows
                signal.signal(signum, on_signal_threadsafe)
            else:
                stack.callback(loop.remove_signal_handler, signum)

    async def _poll_loop(self) -> None:
        misses = 0
        counters = self._counters
        while not self._stopping:
            free = self._max_concurrency - len(self._tasks)
            if free <= 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            counters.polls += 1
            try:
                items = await self._poll_unless_stopped(free)
            except CPJobsError as error:
                if not error.retryable:
                    logger.error("poll failed, stopping: %s", error)
                    raise
                counters.poll_errors += 1
                delay = self._poll_backoff.delay(misses, self._rng)
                misses += 1
                logger.warning("poll failed, next in %.2fs: %s", delay, error)
                if self._on_event is not None:
                    self._emit(PollFailed(error=error, delay=delay))
                await self._unless_stopped(self._sleep, delay)
                continue
            if items is None or self._stopping:
                # Stopped while polling. Jobs the poll may have brought are
                # not acknowledged: CodePipeline hands them out again once
                # their dispatch times out.
                return
            if self._on_event is not None:
                self._emit(Polled(requested=free, received=len(items)))
            if not items:
                counters.empty_polls += 1
                delay = self._poll_backoff.delay(misses, self._rng)
                misses += 1
                await self._unless_stopped(self._sleep, delay)
                continue
            misses = 0
            for item in items:
                task = asyncio.create_task(self._run_job(item))
                self._tasks.add(task)
                task.add_done_callback(self._job_done)

    async def _poll_unless_stopped(self, free: int) -> Sequence[PolledT] | None:
        """Poll for ``free`` jobs; ``None`` if `stop` cut the poll short.

        The poll runs in this task, not one of its own (a task per poll costs
        a job at concurrency 1 several percent): `stop` cancels this task
        while it polls, and the cancellation is taken back here.
        """
        task = asyncio.current_task()
        self._polling = task
        try:
            return await self._poll(free)
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
        if not task.cancelled() and (error := task.exception()) is not None:
            # Type and frames only: the message may quote a secret.
            logger.error(
                "job task failed with %s:\n%s",
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)).rstrip(),
            )

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
                await asyncio.wait(tasks, timeout=self._cancel_wait)
            raise
        if cancelled:
            raise asyncio.CancelledError

    async def _wait_for_reports(self) -> None:
        """Wait for the job tasks after their handlers were cancelled.

        A handler that goes on after being cancelled is cancelled again a few
        times, then left behind: its job stays unreported, and is logged.
        """
        rounds = 0
        ignoring: set[asyncio.Task[Any]] = set()
        while pending := self._tasks - ignoring:
            await self._wait_for_jobs(pending, self._cancel_wait, interruptible=False)
            stubborn = self._in_handler & self._tasks
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
                ignoring |= stubborn

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

    # --- one job -----------------------------------------------------------------

    def _emit(self, event: WorkerEvent) -> None:
        assert self._on_event is not None
        try:
            self._on_event(event)
        except Exception:
            logger.exception("on_event failed for %s", type(event).__name__)

    async def _run_job(self, item: PolledT) -> None:
        try:
            claimed = await self._claim(item)
        except _Skip as skip:
            self._skipped(self._polled_id(item), skip)
            return
        started = self._clock()
        if self._abandoning:
            # Acknowledged after the grace period: report without working.
            await self._report(claimed, self._abandoned(claimed), started)
            return
        self._counters.jobs_started += 1
        logger.debug("job started", extra=claimed.extra)
        if self._on_event is not None:
            self._emit(JobStarted(job_id=claimed.job_id))
        try:
            outcome = await self._handle(claimed)
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

    def _skipped(self, job_id: str, skip: _Skip) -> None:
        if skip.reason is SkipReason.RACE_LOST:
            self._counters.races_lost += 1
        else:
            self._counters.skipped += 1
        if self._on_event is not None:
            self._emit(JobSkipped(job_id=job_id, reason=skip.reason, error=skip.error))

    async def _handle(self, claimed: _Claimed[JobT]) -> Outcome:
        task = asyncio.current_task()
        assert task is not None
        self._in_handler.add(task)
        try:
            result = await self._handler(claimed.job, claimed.context)
        except Exception as error:
            return self._crashed(claimed, error)
        finally:
            self._in_handler.discard(task)
        if result is None:
            return Success()
        if isinstance(result, (Success, Continue, Failure)):
            return result
        return self._crashed(
            claimed,
            TypeError(
                f"the handler returned a {type(result).__name__}, not an outcome"
            ),
        )

    def _abandoned(self, claimed: _Claimed[JobT]) -> Outcome:
        """What to report for a job whose handler the stop cancelled."""
        checkpoint = claimed.context.last_checkpoint
        if checkpoint is not None:
            logger.warning("stopped: handing the job off", extra=claimed.extra)
            return checkpoint
        logger.warning("stopped: failing the job", extra=claimed.extra)
        return Failure("worker stopped", type=FailureType.SYSTEM_UNAVAILABLE)

    def _crashed(self, claimed: _Claimed[JobT], error: BaseException) -> Failure:
        """A failure for a handler's exception, logged; neither shows a secret."""
        message = _redact(_describe(error), claimed.secrets)
        trace = _redact(
            "".join(traceback.TracebackException.from_exception(error).format()),
            claimed.secrets,
        )
        # The traceback goes into the message, redacted, not as exc_info: a
        # handler or formatter would render the original, secrets and all.
        logger.error("handler failed: %s", trace.rstrip(), extra=claimed.extra)
        return Failure(_trim(message))

    # --- reporting ---------------------------------------------------------------

    async def _report(
        self, claimed: _Claimed[JobT], outcome: Outcome, started: float
    ) -> None:
        result, failure_type = await self._deliver(claimed, outcome)
        counters = self._counters
        if result is JobResult.SUCCEEDED:
            counters.succeeded += 1
        elif result is JobResult.FAILED:
            counters.failed += 1
        elif result is JobResult.CONTINUED:
            counters.continued += 1
        else:
            counters.unreported += 1
        logger.debug("job %s", result.value, extra=claimed.extra)
        if self._on_event is not None:
            self._emit(
                JobFinished(
                    job_id=claimed.job_id,
                    result=result,
                    failure_type=failure_type,
                    duration=self._clock() - started,
                )
            )

    async def _deliver(
        self, claimed: _Claimed[JobT], outcome: Outcome
    ) -> tuple[JobResult, FailureType | None]:
        if not isinstance(outcome, Failure):
            success = outcome
            try:
                await self._retrying(
                    claimed.job_id,
                    "PutJobSuccessResult",
                    lambda: self._put_success(claimed, success),
                    report=True,
                )
            except (
                InvalidField,
                OutputVariablesSizeExceeded,
                ValidationException,
            ) as error:
                logger.warning(
                    "success rejected, reporting failure: %s",
                    error,
                    extra=claimed.extra,
                )
                rejected = _redact(str(error), claimed.secrets)
                outcome = Failure(f"The job's result was rejected: {rejected}")
            except Exception as error:
                return self._undelivered(claimed, error), None
            else:
                if isinstance(outcome, Continue):
                    return JobResult.CONTINUED, None
                return JobResult.SUCCEEDED, None
        details = FailureDetails(
            type=outcome.type,
            message=_trim(outcome.message) or outcome.type.value,
            external_execution_id=outcome.external_execution_id,
        )
        try:
            await self._retrying(
                claimed.job_id,
                "PutJobFailureResult",
                lambda: self._put_failure(claimed, details),
                report=True,
            )
        except Exception as error:
            return self._undelivered(claimed, error), None
        return JobResult.FAILED, outcome.type

    def _undelivered(self, claimed: _Claimed[JobT], error: Exception) -> JobResult:
        if isinstance(error, (InvalidJobState, JobNotFound)):
            logger.warning(
                "job no longer takes a result (timed out?): %s",
                error,
                extra=claimed.extra,
            )
        else:
            logger.error(
                "reporting failed: %s",
                _redact(_describe(error), claimed.secrets),
                extra=claimed.extra,
            )
        return JobResult.UNREPORTED

    async def _retrying(
        self,
        job_id: str,
        operation: str,
        call: Callable[[], Awaitable[_R]],
        *,
        report: bool,
    ) -> _R:
        """``call()``, sent again on transient errors, ``retry_attempts`` at most."""
        attempt = 0
        while True:
            try:
                return await call()
            except CPJobsError as error:
                if not error.retryable or attempt + 1 >= self._retry_attempts:
                    raise
                delay = self._retry_backoff.delay(attempt, self._rng)
                attempt += 1
                if report:
                    self._counters.report_retries += 1
                else:
                    self._counters.claim_retries += 1
                logger.info(
                    "%s failed (attempt %d), again in %.2fs: %s",
                    operation,
                    attempt,
                    delay,
                    error,
                    extra={"job_id": job_id},
                )
                if self._on_event is not None:
                    self._emit(
                        RetryScheduled(
                            job_id=job_id,
                            operation=operation,
                            error=error,
                            attempt=attempt,
                            delay=delay,
                        )
                    )
                await self._sleep(delay)


class JobWorker(_Worker[Job, Job]):
    """Works the jobs of a custom action type (owner ``Custom``).

    ::

        async def build(job: Job, ctx: JobContext) -> Outcome | None:
            ...
            return Success(output_variables={"digest": digest})

        async with JobsClient.create(region_name="eu-west-1") as client:
            worker = JobWorker(client, action_type_id, build, max_concurrency=4)
            await worker.run(handle_signals=True)

    Args:
        client: The client to call CodePipeline with.
        action_type_id: The action type to poll for; its owner is ``Custom``.
        handler: ``async (job, context) -> Success | Continue | Failure | None``.
        query_param: Only jobs whose configuration has this one key-value pair.
        max_concurrency: Jobs in flight at once; each poll asks for the free slots.
        poll_backoff: Waits after empty or failed polls (0.25 s doubling up
            to 20 s by default, see `Backoff`); a poll that brings jobs
            is followed at once by the next.
        retry_backoff: Waits between attempts of one call about a job.
        retry_attempts: Attempts of one call about a job before giving up.
        shutdown_grace: Seconds jobs in flight get to finish after `stop`.
        owns_client: Enter the client when `run` starts and close it when
            it ends (for a `JobsClient.create` client not yet opened).
        on_event: Called with each `WorkerEvent`, e.g. to feed metrics;
            its exceptions are logged and ignored.
        sleep: How to wait (for tests).
        clock: Seconds, for the durations in events (for tests).
        rng: The random source of the backoff jitter (for tests).
    """

    _owner = ActionOwner.CUSTOM

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        handler: JobHandler,
        *,
        query_param: Mapping[str, str] | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:
        super().__init__(client, action_type_id, handler, **options)
        # Check the poll request now, not at the first poll.
        self._query_param = PollForJobsInput(
            action_type_id=action_type_id,
            max_batch_size=self._max_concurrency,
            query_param=query_param,
        ).query_param

    async def _poll(self, batch: int) -> Sequence[Job]:
        output = await self._client.poll_for_jobs(
            action_type_id=self._action_type_id,
            max_batch_size=batch,
            query_param=self._query_param,
        )
        return output.jobs or ()

    def _polled_id(self, item: Job) -> str:
        return item.id or "?"

    async def _claim(self, item: Job) -> _Claimed[Job]:
        job_id, nonce = item.id, item.nonce
        if job_id is None or nonce is None:
            logger.warning("polled a job without id or nonce: %r", item)
            raise _Skip(SkipReason.CLAIM_FAILED)
        extra = _log_extra(job_id, item.data)
        try:
            ack = await self._retrying(
                job_id,
                "AcknowledgeJob",
                lambda: self._client.acknowledge_job(job_id=job_id, nonce=nonce),
                report=False,
            )
        except InvalidNonce as error:
            logger.debug("race lost: %s", error, extra=extra)
            raise _Skip(SkipReason.RACE_LOST, error) from None
        except CPJobsError as error:
            logger.warning("acknowledging failed: %s", error, extra=extra)
            raise _Skip(SkipReason.CLAIM_FAILED, error) from None
        _require_in_progress(ack.status, extra)

        async def refresh() -> AnyJobData | None:
            output = await self._retrying(
                job_id,
                "GetJobDetails",
                lambda: self._client.get_job_details(job_id=job_id),
                report=False,
            )
            details = output.job_details
            return details.data if details is not None else None

        secrets = _secret_strings(item.data)
        context = JobContext(
            job_id=job_id, data=item.data, extra=extra, refresh=refresh, secrets=secrets
        )
        return _Claimed(
            job_id=job_id, job=item, context=context, extra=extra, secrets=secrets
        )

    async def _put_success(
        self, claimed: _Claimed[Job], outcome: Success | Continue
    ) -> None:
        if isinstance(outcome, Continue):
            await self._client.put_job_success_result(
                job_id=claimed.job_id,
                continuation_token=outcome.continuation_token,
                execution_details=outcome.details(),
                current_revision=outcome.current_revision,
            )
        else:
            await self._client.put_job_success_result(
                job_id=claimed.job_id,
                execution_details=outcome.execution_details,
                current_revision=outcome.current_revision,
                output_variables=outcome.output_variables,
            )

    async def _put_failure(
        self, claimed: _Claimed[Job], details: FailureDetails
    ) -> None:
        await self._client.put_job_failure_result(
            job_id=claimed.job_id, failure_details=details
        )


class ThirdPartyJobWorker(_Worker[ThirdPartyJob, ThirdPartyJobDetails]):
    """Works the jobs of a third-party (partner) action type (owner ``ThirdParty``).

    For each polled job it looks the client token up with ``client_tokens``
    (``client_id -> client_token``, sync or async, ``None`` if unknown),
    fetches the job's details with it, acknowledges the job and hands the
    `ThirdPartyJobDetails` to the handler. A job whose client id is unknown
    is skipped (it cannot be reported without a token); one whose token the
    service rejects is logged and counted. Third-party actions have no output
    variables: a `Success` carrying some is reported as a failure.

    Other arguments as for `JobWorker` (there is no ``query_param``).
    """

    _owner = ActionOwner.THIRD_PARTY

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        handler: ThirdPartyJobHandler,
        client_tokens: ClientTokenProvider,
        **options: Unpack[WorkerOptions],
    ) -> None:
        super().__init__(client, action_type_id, handler, **options)
        PollForThirdPartyJobsInput(
            action_type_id=action_type_id, max_batch_size=self._max_concurrency
        )
        self._client_tokens = client_tokens

    async def _poll(self, batch: int) -> Sequence[ThirdPartyJob]:
        output = await self._client.poll_for_third_party_jobs(
            action_type_id=self._action_type_id, max_batch_size=batch
        )
        return output.jobs or ()

    def _polled_id(self, item: ThirdPartyJob) -> str:
        return item.job_id or "?"

    async def _client_token(self, client_id: str, extra: dict[str, Any]) -> str:
        try:
            token = self._client_tokens(client_id)
            if inspect.isawaitable(token):
                token = await token
        except Exception as error:
            logger.error(
                "the client token provider failed for client %s: %s",
                client_id,
                type(error).__name__,
                extra=extra,
            )
            raise _Skip(SkipReason.CLAIM_FAILED) from None
        if not isinstance(token, str):
            logger.warning("unknown client id %s: job skipped", client_id, extra=extra)
            raise _Skip(SkipReason.UNKNOWN_CLIENT)
        return token

    async def _claim(self, item: ThirdPartyJob) -> _Claimed[ThirdPartyJobDetails]:
        job_id, client_id = item.job_id, item.client_id
        if job_id is None or client_id is None:
            logger.warning("polled a job without id or client id: %r", item)
            raise _Skip(SkipReason.CLAIM_FAILED)
        extra = _log_extra(job_id, None)
        client_token = await self._client_token(client_id, extra)

        async def details() -> ThirdPartyJobDetails | None:
            output = await self._retrying(
                job_id,
                "GetThirdPartyJobDetails",
                lambda: self._client.get_third_party_job_details(
                    job_id=job_id, client_token=client_token
                ),
                report=False,
            )
            return output.job_details

        try:
            job = await details()
            nonce = job.nonce if job is not None else None
            if job is None or nonce is None:
                logger.warning("job details without a nonce", extra=extra)
                raise _Skip(SkipReason.CLAIM_FAILED)
            extra = _log_extra(job_id, job.data)
            ack = await self._retrying(
                job_id,
                "AcknowledgeThirdPartyJob",
                lambda: self._client.acknowledge_third_party_job(
                    job_id=job_id, nonce=nonce, client_token=client_token
                ),
                report=False,
            )
        except InvalidClientToken as error:
            logger.error(
                "client token rejected for client %s: %s", client_id, error, extra=extra
            )
            raise _Skip(SkipReason.INVALID_CLIENT_TOKEN, error) from None
        except InvalidNonce as error:
            logger.debug("race lost: %s", error, extra=extra)
            raise _Skip(SkipReason.RACE_LOST, error) from None
        except CPJobsError as error:
            logger.warning("claiming failed: %s", error, extra=extra)
            raise _Skip(SkipReason.CLAIM_FAILED, error) from None
        _require_in_progress(ack.status, extra)

        async def refresh() -> AnyJobData | None:
            fresh = await details()
            return fresh.data if fresh is not None else None

        secrets = _secret_strings(job.data)
        secrets.add(client_token)
        context = JobContext(
            job_id=job_id, data=job.data, extra=extra, refresh=refresh, secrets=secrets
        )
        return _Claimed(
            job_id=job_id,
            job=job,
            context=context,
            extra=extra,
            secrets=secrets,
            client_token=client_token,
        )

    async def _put_success(
        self, claimed: _Claimed[ThirdPartyJobDetails], outcome: Success | Continue
    ) -> None:
        assert claimed.client_token is not None
        if isinstance(outcome, Continue):
            await self._client.put_third_party_job_success_result(
                job_id=claimed.job_id,
                client_token=claimed.client_token,
                continuation_token=outcome.continuation_token,
                execution_details=outcome.details(),
                current_revision=outcome.current_revision,
            )
            return
        if outcome.output_variables:
            raise InvalidField(
                "Success.output_variables",
                "is set for a third-party job",
                "none: third-party actions have no output variables",
            )
        await self._client.put_third_party_job_success_result(
            job_id=claimed.job_id,
            client_token=claimed.client_token,
            execution_details=outcome.execution_details,
            current_revision=outcome.current_revision,
        )

    async def _put_failure(
        self, claimed: _Claimed[ThirdPartyJobDetails], details: FailureDetails
    ) -> None:
        assert claimed.client_token is not None
        await self._client.put_third_party_job_failure_result(
            job_id=claimed.job_id,
            client_token=claimed.client_token,
            failure_details=details,
        )
