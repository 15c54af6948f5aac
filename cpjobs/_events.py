"""What a worker tells the outside: its counters (`WorkerStats`) and its events.

Events are frozen classes, one per kind, joined in the `WorkerEvent` union so
an ``on_event`` callback can ``match`` on them. Those about a job carry where
it comes from (pipeline, stage, action) for metrics, as far as the worker
knows it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping

import attrs

from ._errors import CPJobsError
from ._models import FailureType
from ._transfers import ArtifactTransferred

__all__ = [
    "Counters",
    "JobFinished",
    "JobResult",
    "JobSkipped",
    "JobStarted",
    "PollFailed",
    "Polled",
    "Recorder",
    "RetryScheduled",
    "SkipReason",
    "WakeupFailed",
    "Woken",
    "WorkerEvent",
    "WorkerStats",
    "origin",
]

logger = logging.getLogger("cpjobs.worker")


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
    #: Jobs whose result could not be delivered (timed out, reports kept
    #: failing, or a handler that ignored cancellation was left behind).
    unreported: int = 0
    #: Jobs another worker claimed first (InvalidNonce, or not InProgress).
    races_lost: int = 0
    #: Polled jobs not worked for another reason (see `SkipReason`).
    skipped: int = 0
    #: Retries of result reports, and of acknowledgements and job details.
    report_retries: int = 0
    claim_retries: int = 0
    #: Polls woken by an event from the queue, and failed reads of it.
    wakeups: int = 0
    wakeup_errors: int = 0
    #: Jobs between their poll and their report right now.
    in_flight: int = 0


class JobResult(enum.StrEnum):
    """How a job ended for this worker."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CONTINUED = "continued"
    UNREPORTED = "unreported"


class SkipReason(enum.StrEnum):
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
    pipeline: str | None = None
    stage: str | None = None
    action: str | None = None


@attrs.frozen(kw_only=True)
class JobSkipped:
    """A polled job was not worked."""

    job_id: str
    reason: SkipReason
    error: CPJobsError | None = None
    pipeline: str | None = None
    stage: str | None = None
    action: str | None = None


@attrs.frozen(kw_only=True)
class RetryScheduled:
    """A call about a job failed transiently and will be sent again."""

    job_id: str
    operation: str
    error: CPJobsError
    attempt: int
    delay: float
    pipeline: str | None = None
    stage: str | None = None
    action: str | None = None


@attrs.frozen(kw_only=True)
class JobFinished:
    """A job's result was reported (or could not be)."""

    job_id: str
    result: JobResult
    failure_type: FailureType | None
    #: Seconds from acknowledgement to report, on the worker's clock.
    duration: float
    pipeline: str | None = None
    stage: str | None = None
    action: str | None = None


@attrs.frozen(kw_only=True)
class Woken:
    """Events from the queue woke a poll: how many, and how many were dropped."""

    events: int
    #: Messages received with them that were not wanted (deleted unread).
    dropped: int


@attrs.frozen(kw_only=True)
class WakeupFailed:
    """Reading the event queue failed; polls follow the normal backoff.

    The next read is in ``delay`` seconds.
    """

    error: Exception
    delay: float


#: Every event a worker passes to its ``on_event`` callback; ``match`` on it.
WorkerEvent = (
    Polled
    | PollFailed
    | Woken
    | WakeupFailed
    | JobStarted
    | JobSkipped
    | RetryScheduled
    | JobFinished
    | ArtifactTransferred
)


def origin(extra: Mapping[str, str | None]) -> dict[str, str | None]:
    """The pipeline, stage and action of a job, from its log records' ``extra``."""
    return {
        "pipeline": extra["pipeline"],
        "stage": extra["stage"],
        "action": extra["action"],
    }


class Counters:
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
        "wakeup_errors",
        "wakeups",
    )

    def __init__(self) -> None:
        self.polls = self.empty_polls = self.poll_errors = 0
        self.jobs_started = self.succeeded = self.failed = self.continued = 0
        self.unreported = self.races_lost = self.skipped = 0
        self.report_retries = self.claim_retries = 0
        self.wakeups = self.wakeup_errors = 0

    def snapshot(self, in_flight: int) -> WorkerStats:
        return WorkerStats(
            **{name: getattr(self, name) for name in self.__slots__},
            in_flight=in_flight,
        )

    def count_result(self, result: JobResult) -> None:
        """Count one job that ended with ``result``."""
        if result is JobResult.SUCCEEDED:
            self.succeeded += 1
        elif result is JobResult.FAILED:
            self.failed += 1
        elif result is JobResult.CONTINUED:
            self.continued += 1
        else:
            self.unreported += 1


class Recorder:
    """Counts what happens and hands the events to ``on_event``, if there is one."""

    __slots__ = ("counters", "listening", "on_event")

    def __init__(self, on_event: Callable[[WorkerEvent], object] | None) -> None:
        self.counters = Counters()
        self.on_event = on_event
        #: Whether events are wanted: callers skip building them otherwise.
        self.listening = on_event is not None

    def emit(self, event: WorkerEvent) -> None:
        """Hand ``event`` to ``on_event``; its exceptions are logged, not raised."""
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:
            logger.exception("on_event failed for %s", type(event).__name__)
