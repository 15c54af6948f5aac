"""Lambda-invoked actions: a worker's handler, run from a Lambda function.

CodePipeline invokes the function with the job as its event
(``{"CodePipeline.job": {...}}``) and waits for the function to report the
result itself. `lambda_handler` turns an ``async (job, ctx)`` handler into
``handler(event, context)``: the event becomes a typed `Job`, and the job
goes through the worker's own engine (`Runtime.run_one`): the same
`JobContext`, redaction, failure on exceptions, one result call retried on
transient errors, and, when the function's time runs low, the hand-off
from the last checkpoint.

Each invocation runs its own event loop (``asyncio.run``) and its own
CodePipeline client, closed before the function returns: Lambda freezes the
process between invocations, and nothing bound to a loop (aiohttp's
connections, asyncio locks in credentials, a handler's stray tasks) then
outlives it. What costs time and is loop-free is kept across warm
invocations: the botocore loader with its parsed service models, and the
converter's generated hooks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, Final, Protocol, TypedDict, cast

import attrs
from typing_extensions import Unpack

from . import _validators as v
from ._backoff import Backoff
from ._claims import ClaimedJob, JobSource, claimed_job
from ._client import JobsClient
from ._context import JobHandler, job_extra
from ._converter import converter, wire_misfit
from ._errors import CPJobsError, InvalidEvent, InvalidField
from ._events import Recorder, WorkerEvent
from ._models import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    FailureDetails,
    FailureType,
    Job,
)
from ._options import WorkerOptions, settings_for
from ._retry import Retrier
from ._runtime import Runtime
from ._sessions import session_sharing_models

__all__ = [
    "LambdaContext",
    "LambdaHandler",
    "LambdaOptions",
    "UserParameters",
    "job_from_event",
    "lambda_handler",
    "user_parameters",
]

logger = logging.getLogger("cpjobs.lambda")

#: The member of the event that holds the job.
EVENT_KEY: Final = "CodePipeline.job"
#: Seconds kept back from the function's timeout to report the job.
DEFAULT_TIME_MARGIN: Final = 10.0
#: Lambda invoke actions have this action type; the event does not say it.
LAMBDA_ACTION: Final = ActionTypeId(
    category=ActionCategory.INVOKE,
    owner=ActionOwner.AWS,
    provider="Lambda",
    version="1",
)
_OUT_OF_TIME: Final = "the Lambda function ran out of time"


class LambdaContext(Protocol):
    """What the adapter reads of Lambda's context object."""

    def get_remaining_time_in_millis(self) -> int: ...


#: ``handler(event, context)``, as Lambda calls it.
LambdaHandler = Callable[[Mapping[str, Any], LambdaContext], None]


class LambdaOptions(TypedDict, total=False):
    """The keyword options of `lambda_handler` (as for a worker).

    Attributes:
        retry_backoff: Waits between attempts of a report (0.2 s doubling
            up to 5 s).
        retry_attempts: Attempts of a report before giving up (6).
        cancel_wait: Seconds between the cancellations of a handler that
            ignores them (5); it is left behind after three.
        secret_properties: The names of the secret configuration properties
            (``FunctionName``, ``UserParameters``). ``None`` (the default):
            both are treated as secret.
        on_event: Called with each `WorkerEvent`; its exceptions are logged.
        sleep: How to wait (for tests).
        clock: Seconds, for the durations in events (for tests).
        rng: The random source of the backoff jitter (for tests).
    """

    retry_backoff: Backoff
    retry_attempts: int
    cancel_wait: float
    secret_properties: Collection[str] | None
    on_event: Callable[[WorkerEvent], object] | None
    sleep: Callable[[float], Awaitable[object]]
    clock: Callable[[], float]
    rng: random.Random | None


@attrs.frozen
class UserParameters:
    """The action's ``UserParameters``: as text, and parsed when it is JSON.

    ``is_json`` tells a JSON ``null`` (``value`` None, ``is_json`` True)
    from text that is not JSON. The repr shows neither: it may hold secrets.
    """

    text: str = attrs.field(repr=False)
    value: object = attrs.field(repr=False)
    is_json: bool


def user_parameters(job: Job) -> UserParameters | None:
    """The job's ``UserParameters``; ``None`` when the action sets none."""
    action = job.data.action_configuration if job.data is not None else None
    configuration = action.configuration if action is not None else None
    text = configuration.get("UserParameters") if configuration else None
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return UserParameters(text, None, is_json=False)
    return UserParameters(text, value, is_json=True)


def job_from_event(event: object) -> Job:
    """The typed `Job` in a Lambda event from CodePipeline.

    Real events differ from the API's ``Job``: no nonce, ``revision`` may be
    null, credentials may carry ``expirationTime`` (ignored), and
    ``continuationToken``, ``encryptionKey`` and ``UserParameters`` may be
    absent.

    Raises:
        InvalidEvent: The event is not a CodePipeline job; ``path`` says
            where, and the message quotes no value.
    """
    if not isinstance(event, Mapping):
        raise InvalidEvent("event", f"is a {type(event).__name__}, not an object")
    members: Mapping[str, Any] = event  # pyright: ignore[reportUnknownVariableType]
    wire = members.get(EVENT_KEY)
    if not isinstance(wire, Mapping):
        problem = "is missing" if wire is None else f"is a {type(wire).__name__}"
        raise InvalidEvent(EVENT_KEY, f"{problem}: not an event from CodePipeline")
    try:
        job = converter.structure(wire, Job)
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        # AttributeError: a generated hook given a non-object where one goes.
        misfit = wire_misfit(wire, Job, EVENT_KEY)
        if misfit is None:  # pragma: no cover - the walk mirrors the hooks
            misfit = (EVENT_KEY, f"does not fit a job ({type(error).__name__})")
        raise InvalidEvent(*misfit) from None
    for member, value in (("id", job.id), ("data", job.data)):
        if value is None:
            raise InvalidEvent(f"{EVENT_KEY}.{member}", "is missing")
    return job


class _InvokedJob(JobSource[Job, Job]):
    """The one job of an invocation: nothing to poll, nothing to acknowledge."""

    async def poll(self, batch: int) -> Sequence[Job]:  # pragma: no cover - unused
        return ()

    def polled_id(self, item: Job) -> str:
        return item.id or "?"

    async def claim(self, item: Job) -> ClaimedJob:
        assert item.id is not None
        return _claimed(self._client, item, self._retrier, self.secret_keys, self)


def _claimed(
    client: JobsClient,
    job: Job,
    retrier: Retrier,
    secret_keys: Collection[str] | None,
    source: JobSource[Job, Job] | None,
) -> ClaimedJob:
    """The invoked job as the runtime handles it: its context, its reports."""
    job_id = job.id
    assert job_id is not None
    on_transfer = source.on_transfer if source is not None else None
    return claimed_job(
        client,
        job,
        job_id,
        job_extra(job_id, job.data),
        retrier,
        secret_keys,
        on_transfer,
    )


def _default_client() -> JobsClient:
    """A client for this invocation, on a session of its own.

    A session caches credentials whose refresh lock belongs to the loop that
    first waits on it; a session per invocation keeps them apart. The
    parsed service models are shared.
    """
    return JobsClient.create(session=session_sharing_models())


def lambda_handler(
    handler: JobHandler,
    *,
    client: Callable[[], JobsClient] | None = None,
    time_margin: float = DEFAULT_TIME_MARGIN,
    **options: Unpack[LambdaOptions],
) -> LambdaHandler:
    """Turn a worker's handler into a Lambda function's handler.

    ::

        async def deploy(job: Job, ctx: JobContext) -> Outcome | None:
            ...
            return Success(output_variables={"Version": version})

        handler = lambda_handler(deploy)   # the function's handler setting

    Each invocation parses the event (`job_from_event`), runs ``handler``
    with a `JobContext` (configuration, ``ctx.artifacts`` with the event's
    credentials, ``ctx.checkpoint``, ``ctx.logger``) and reports the outcome
    once, retried on transient errors; an exception is reported as a
    failure, redacted. When less than ``time_margin`` seconds of the
    function's time are left, the handler is cancelled and the job handed
    off from its last checkpoint (CodePipeline invokes the function again
    with the token), or else failed. The event is never logged.

    Args:
        handler: ``async (job, context) -> Success | Continue | Failure | None``.
        client: Makes an unopened `JobsClient` for each invocation (e.g.
            ``lambda: JobsClient.create(endpoint_url=...)``); by default one
            in the function's region, with its role's credentials.
        time_margin: Seconds kept back from the function's timeout for the
            report and its retries (10).
        options: See `LambdaOptions`.

    Raises:
        InvalidField: An argument or option is not what is wanted.
    """
    if not v.is_async_function(handler):
        raise InvalidField(
            "lambda_handler.handler",
            f"is {v.a_type(handler)}",
            "an async function: async def handler(job, ctx)",
        )
    if client is not None and not callable(client):
        raise InvalidField(
            "lambda_handler.client",
            f"is {v.a_type(client)}",
            "a function returning an unopened JobsClient",
        )
    if not _is_seconds(time_margin):
        raise InvalidField(
            "lambda_handler.time_margin", f"is {time_margin!r}", "seconds, >= 0"
        )
    # The worker's options, less those about polling and shutdown.
    settings = settings_for("lambda_handler", cast("WorkerOptions", options))
    make_client = client or _default_client

    async def work(job: Job, within: float) -> None:
        recorder = Recorder(settings.on_event)
        retrier = Retrier(settings, recorder)
        async with make_client() as jobs_client:
            source = _InvokedJob(
                jobs_client, LAMBDA_ACTION, retrier, settings.secret_properties
            )
            source.on_transfer = recorder.emit
            runtime = Runtime(jobs_client, source, handler, settings, recorder)
            runtime.stop_reason = _OUT_OF_TIME
            await runtime.run_one(job, within=within, hand_back_token=False)

    async def refuse(job_id: str, error: InvalidEvent) -> None:
        recorder = Recorder(settings.on_event)
        retrier = Retrier(settings, recorder)
        async with make_client() as jobs_client:
            claimed = _claimed(jobs_client, Job(id=job_id), retrier, None, None)
            details = FailureDetails(
                type=FailureType.JOB_FAILED,
                message=f"The Lambda event does not fit a job: {error}",
            )
            await claimed.report_failure(details)

    def invoke(event: Mapping[str, Any], context: LambdaContext) -> None:
        try:
            job = job_from_event(event)
        except InvalidEvent as error:
            job_id = _event_job_id(event)
            if job_id is None:
                raise
            logger.error("the event does not fit a job: %s", error)
            try:
                asyncio.run(refuse(job_id, error))
            except CPJobsError as report_error:
                logger.error("reporting the refused job failed: %s", report_error)
            return
        remaining = context.get_remaining_time_in_millis() / 1000
        asyncio.run(work(job, max(0.0, remaining - time_margin)))

    return invoke


def _is_seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    )


def _event_job_id(event: object) -> str | None:
    """The job id of an event that does not otherwise fit, if it has one."""
    if not isinstance(event, Mapping):
        return None
    members: Mapping[str, Any] = event  # pyright: ignore[reportUnknownVariableType]
    wire = members.get(EVENT_KEY)
    if not isinstance(wire, Mapping):
        return None
    job: Mapping[str, Any] = wire  # pyright: ignore[reportUnknownVariableType]
    job_id = job.get("id")
    return job_id if isinstance(job_id, str) and job_id else None
