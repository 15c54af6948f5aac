"""The workers: `JobWorker` (custom actions) and `ThirdPartyJobWorker`.

Both check what they are given when they are built, then hand the work to
one engine (`Runtime`) with a job source that knows their kind of job.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from typing_extensions import Unpack

from . import _validators as v
from ._claims import CustomJobs, JobSource, ThirdPartyJobs
from ._client import JobsClient
from ._context import ClientTokenProvider, JobContext, JobHandler, ThirdPartyJobHandler
from ._errors import InvalidField
from ._events import Recorder, WorkerStats
from ._models import (
    ActionOwner,
    ActionTypeId,
    Job,
    PollForJobsInput,
    PollForThirdPartyJobsInput,
    ThirdPartyJob,
    ThirdPartyJobDetails,
)
from ._options import Settings, WorkerOptions, settings_for
from ._outcomes import Outcome
from ._retry import Retrier
from ._runtime import Runtime
from ._wakeup import EventWakeup

__all__ = ["JobWorker", "ThirdPartyJobWorker"]

PolledT = TypeVar("PolledT", Job, ThirdPartyJob)
JobT = TypeVar("JobT", Job, ThirdPartyJobDetails)


class _Worker(Generic[PolledT, JobT]):
    """What both workers share: checks, and the engine they run."""

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        handler: Callable[[JobT, JobContext], Awaitable[Outcome | None]],
        owner: ActionOwner,
        options: WorkerOptions,
        source: Callable[[Settings, Retrier], JobSource[PolledT, JobT]],
    ) -> None:
        name = type(self).__name__
        _check(name, "client", client, JobsClient, "a JobsClient")
        _check(name, "action_type_id", action_type_id, ActionTypeId, "an ActionTypeId")
        if action_type_id.owner is not owner:
            raise InvalidField(
                f"{name}.action_type_id",
                f"has owner {action_type_id.owner.value!r}",
                f"owner {owner.value!r}",
            )
        if not v.is_async_function(handler):
            raise InvalidField(
                f"{name}.handler",
                f"is {v.a_type(handler)}",
                "an async function: async def handler(job, ctx)",
            )
        settings = settings_for(name, options)
        recorder = Recorder(settings.on_event)
        job_source = source(settings, Retrier(settings, recorder))
        job_source.on_transfer = recorder.emit
        wakeup = (
            None
            if settings.wakeup_queue_url is None
            else EventWakeup(
                queue_url=settings.wakeup_queue_url,
                action_type_id=action_type_id,
                client=client,
                sqs_client=settings.wakeup_sqs_client,
                settings=settings,
                recorder=recorder,
            )
        )
        self._runtime: Runtime[PolledT, JobT] = Runtime(
            client,
            job_source,
            handler,
            settings,
            recorder,
            wakeup,
        )

    @property
    def stats(self) -> WorkerStats:
        """A snapshot of the worker's counters."""
        return self._runtime.stats

    def stop(self) -> None:
        """Stop polling now; `run` returns once the jobs in flight are reported.

        Call it from the event loop's thread (signal handlers installed by
        `run` do). Calling it again does nothing.
        """
        self._runtime.stop()

    async def run(self, *, handle_signals: bool | None = None) -> None:
        """Work jobs until `stop` is called (or a poll fails for good).

        On stop, a poll under way is abandoned (its jobs, not acknowledged,
        go to another worker once their dispatch times out), and jobs in
        flight get ``shutdown_grace`` seconds to finish; handlers still
        running then are cancelled and their jobs reported as continued from
        their last checkpoint, or failed. If this coroutine is cancelled, the
        handlers are cancelled at once, the reports are still sent, and the
        cancellation is re-raised; cancelling it again gives up on them.

        Args:
            handle_signals: Stop on SIGTERM and SIGINT while running (a second
                signal cuts the grace period short), then pass the signal on
                to the handler that was there before; it is restored after.
                One signal stops every worker running on the loop. By
                default (``None``) on when running on the main thread,
                where signals arrive; ``False`` leaves them alone.

        Raises:
            CPJobsError: A poll failed with an error retrying will not fix
                (e.g. `ActionTypeNotFound`), after the jobs in flight were
                reported.
        """
        if handle_signals is None:
            handle_signals = threading.current_thread() is threading.main_thread()
        await self._runtime.run(handle_signals=handle_signals)


def _check(owner: str, field: str, value: object, cls: type, wanted: str) -> None:
    if not isinstance(value, cls):
        raise InvalidField(f"{owner}.{field}", f"is {v.a_type(value)}", wanted)


class JobWorker(_Worker[Job, Job]):
    """Works the jobs of a custom action type (owner ``Custom``).

    ::

        async def build(job: Job, ctx: JobContext) -> Outcome | None:
            ...
            return Success(output_variables={"digest": digest})

        async with JobsClient.create(region_name="eu-west-1") as client:
            worker = JobWorker(client, action_type_id, build, max_concurrency=4)
            await worker.run()

    Args:
        client: The client to call CodePipeline with.
        action_type_id: The action type to poll for; its owner is ``Custom``.
        handler: ``async (job, context) -> Success | Continue | Failure | None``.
        query_param: Only jobs whose configuration has this one key-value pair.
        options: See `WorkerOptions`.

    Raises:
        InvalidField: An argument or option is not what is wanted; the
            message names it and says what is.
    """

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        handler: JobHandler,
        *,
        query_param: Mapping[str, str] | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:

        def source(settings: Settings, retrier: Retrier) -> CustomJobs:
            # Check the poll request now, not at the first poll.
            checked = PollForJobsInput(
                action_type_id=action_type_id,
                max_batch_size=settings.max_concurrency,
                query_param=query_param,
            ).query_param
            return CustomJobs(
                client, action_type_id, checked, retrier, settings.secret_properties
            )

        super().__init__(
            client, action_type_id, handler, ActionOwner.CUSTOM, options, source
        )


class ThirdPartyJobWorker(_Worker[ThirdPartyJob, ThirdPartyJobDetails]):
    """Works the jobs of a third-party (partner) action type (owner ``ThirdParty``).

    For each polled job it looks the client token up with ``client_tokens``
    (``client_id -> client_token``: a mapping, or a function, sync or async,
    returning ``None`` if unknown), fetches the job's details with it,
    acknowledges the job and hands the `ThirdPartyJobDetails` to the handler.
    A job whose client id is unknown is skipped (it cannot be reported
    without a token); one whose token the service rejects is logged and
    counted. Third-party actions have no output variables: a `Success`
    carrying some is reported as a failure.

    Other arguments as for `JobWorker` (there is no ``query_param``).
    """

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        handler: ThirdPartyJobHandler,
        client_tokens: ClientTokenProvider,
        **options: Unpack[WorkerOptions],
    ) -> None:

        def source(settings: Settings, retrier: Retrier) -> ThirdPartyJobs:
            if not _is_token_provider(client_tokens):
                raise InvalidField(
                    f"{type(self).__name__}.client_tokens",
                    f"is {v.a_type(client_tokens)}",
                    "a mapping or a function from client id to client token",
                )
            PollForThirdPartyJobsInput(
                action_type_id=action_type_id,
                max_batch_size=settings.max_concurrency,
            )
            return ThirdPartyJobs(
                client,
                action_type_id,
                client_tokens,
                retrier,
                settings.secret_properties,
            )

        super().__init__(
            client, action_type_id, handler, ActionOwner.THIRD_PARTY, options, source
        )


def _is_token_provider(value: object) -> bool:
    return isinstance(value, Mapping) or callable(value)
