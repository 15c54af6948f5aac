"""`JobsClient`: the ten job-worker operations, typed, over aiobotocore."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Mapping,
)
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from aiobotocore.session import AioSession, get_session
from botocore.exceptions import BotoCoreError, ClientError

from ._backoff import Backoff
from ._converter import converter
from ._errors import ClientNotOpen, CPJobsError, UnexpectedResponse, translate
from ._models import (
    AcknowledgeJobInput,
    AcknowledgeJobOutput,
    AcknowledgeThirdPartyJobInput,
    AcknowledgeThirdPartyJobOutput,
    ActionCategory,
    ActionConfigurationProperty,
    ActionOwner,
    ActionType,
    ActionTypeId,
    ActionTypeSettings,
    ArtifactDetails,
    CreateCustomActionTypeInput,
    CreateCustomActionTypeOutput,
    CurrentRevision,
    DeleteCustomActionTypeInput,
    ExecutionDetails,
    FailureDetails,
    GetJobDetailsInput,
    GetJobDetailsOutput,
    GetThirdPartyJobDetailsInput,
    GetThirdPartyJobDetailsOutput,
    Job,
    ListActionTypesInput,
    ListActionTypesOutput,
    PollForJobsInput,
    PollForJobsOutput,
    PollForThirdPartyJobsInput,
    PollForThirdPartyJobsOutput,
    PutJobFailureResultInput,
    PutJobSuccessResultInput,
    PutThirdPartyJobFailureResultInput,
    PutThirdPartyJobSuccessResultInput,
    Tag,
    ThirdPartyJob,
)

if TYPE_CHECKING:
    from aiobotocore.config import AioConfig
    from types_aiobotocore_codepipeline.client import CodePipelineClient

__all__ = ["JobStream", "JobsClient"]

logger = logging.getLogger("cpjobs")

T = TypeVar("T")
JobT = TypeVar("JobT", Job, ThirdPartyJob)


@functools.cache
def _default_session() -> AioSession:
    """One session for the clients cpjobs creates: it caches the service model."""
    return get_session()


class JobsClient:
    """The job-worker operations of CodePipeline, typed, over aiobotocore.

    Wrap an aiobotocore CodePipeline client you own (cpjobs never closes it)::

        async with session.create_client("codepipeline") as raw:
            client = JobsClient(raw)

    or let cpjobs create and own one::

        async with JobsClient.create(region_name="eu-west-1") as client:
            ...

    Each operation is a method named as in botocore, taking the input shape's
    members as keyword arguments and returning the output model (``None``
    where the operation has none). Service errors raise `ServiceError`
    subclasses, connection failures `TransportError`.
    """

    def __init__(self, client: CodePipelineClient) -> None:
        self._setup(client, None)

    def _setup(
        self,
        client: CodePipelineClient | None,
        open_client: Callable[[AsyncExitStack], Awaitable[CodePipelineClient]] | None,
    ) -> None:
        self._raw = client
        self._open_client = open_client
        self._exit_stack = AsyncExitStack()
        #: What `create` was given, for clients of other services (`sibling`).
        self._create_args: dict[str, Any] = {}
        self._session: AioSession | None = None
        self._poll_requests: dict[Hashable, dict[str, Any]] = {}

    @classmethod
    def create(
        cls,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        config: AioConfig | None = None,
        session: AioSession | None = None,
    ) -> JobsClient:
        """A client that creates its own aiobotocore client on ``async with``.

        Arguments go to ``session.create_client("codepipeline", ...)``; the
        client is closed when the ``async with`` block ends. Entering it
        raises `CredentialsError` if credentials cannot be resolved.
        """

        async def open_client(stack: AsyncExitStack) -> CodePipelineClient:
            creator = (session or _default_session()).create_client(  # pyright: ignore[reportUnknownMemberType]
                "codepipeline",
                region_name=region_name,
                endpoint_url=endpoint_url,
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                aws_session_token=aws_session_token,
                config=config,
            )
            try:
                client: CodePipelineClient = await stack.enter_async_context(creator)
            except BotoCoreError as error:
                # Credentials resolve here (a credential process, SSO, ...).
                translated = translate(error, "CreateClient")
                if translated is None:
                    raise
                raise translated from error
            return client

        self = cls.__new__(cls)
        self._setup(None, open_client)
        self._session = session
        self._create_args = {
            "region_name": region_name,
            "endpoint_url": endpoint_url,
            "aws_access_key_id": aws_access_key_id,
            "aws_secret_access_key": aws_secret_access_key,
            "aws_session_token": aws_session_token,
        }
        return self

    def sibling(self, service: str) -> AbstractAsyncContextManager[Any]:
        """An aiobotocore client for another service, made like this one.

        A `create` client lends its region, endpoint and credentials (an
        emulator serves every service on one endpoint); a wrapped client
        lends its region, and credentials come from the default chain.
        """
        # The session's stubs take service names as literals, one overload each.
        if self._open_client is None:
            region = None if self._raw is None else self._raw.meta.region_name
            creator: Any = _default_session()
            args: dict[str, Any] = {"region_name": region}
        else:
            creator = self._session or _default_session()
            args = self._create_args
        made: AbstractAsyncContextManager[Any] = creator.create_client(service, **args)
        return made

    async def __aenter__(self) -> Self:
        if self._open_client is not None and self._raw is None:
            self._raw = await self._open_client(self._exit_stack)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the aiobotocore client if cpjobs created it; else do nothing."""
        if self._open_client is not None:
            self._raw = None
            await self._exit_stack.aclose()

    @property
    def raw(self) -> CodePipelineClient:
        """The aiobotocore client underneath."""
        if self._raw is None:
            msg = "JobsClient.create() clients are opened with 'async with'"
            raise ClientNotOpen(msg)
        return self._raw

    async def _send(self, operation: str, method: str, request: Any) -> dict[str, Any]:
        """Send a request model; the wire response without its metadata."""
        return await self._send_wire(operation, method, converter.unstructure(request))

    async def _send_wire(
        self, operation: str, method: str, wire: dict[str, Any]
    ) -> dict[str, Any]:
        """Send an unstructured request; the wire response without its metadata."""
        if logger.isEnabledFor(logging.DEBUG):
            extra = {"operation": operation, "job_id": wire.get("jobId")}
            logger.debug("%s", operation, extra=extra)
        try:
            response: dict[str, Any] = await getattr(self.raw, method)(**wire)
        except (BotoCoreError, ClientError) as error:
            translated = translate(error, operation)
            if translated is None:
                raise
            raise translated from error
        response.pop("ResponseMetadata", None)
        return response

    async def _call(
        self, operation: str, method: str, request: Any, output: type[T]
    ) -> T:
        return await self._call_wire(
            operation, method, converter.unstructure(request), output
        )

    async def _call_wire(
        self, operation: str, method: str, wire: dict[str, Any], output: type[T]
    ) -> T:
        response = await self._send_wire(operation, method, wire)
        try:
            return converter.structure(response, output)
        except (TypeError, KeyError, ValueError) as error:
            raise UnexpectedResponse(operation, str(error)) from error

    # --- custom actions ---------------------------------------------------

    async def poll_for_jobs(
        self,
        *,
        action_type_id: ActionTypeId,
        max_batch_size: int | None = None,
        query_param: Mapping[str, str] | None = None,
    ) -> PollForJobsOutput:
        """Ask for jobs of a custom action type; each comes with a fresh nonce."""
        wire = self._poll_request(
            PollForJobsInput, action_type_id, max_batch_size, query_param
        )
        return await self._call_wire(
            "PollForJobs", "poll_for_jobs", wire, PollForJobsOutput
        )

    async def acknowledge_job(self, *, job_id: str, nonce: str) -> AcknowledgeJobOutput:
        """Claim a polled job; work on it only if the status is ``InProgress``."""
        request = AcknowledgeJobInput(job_id=job_id, nonce=nonce)
        return await self._call(
            "AcknowledgeJob", "acknowledge_job", request, AcknowledgeJobOutput
        )

    async def get_job_details(self, *, job_id: str) -> GetJobDetailsOutput:
        """A job's details, with fresh artifact credentials."""
        request = GetJobDetailsInput(job_id=job_id)
        return await self._call(
            "GetJobDetails", "get_job_details", request, GetJobDetailsOutput
        )

    async def put_job_success_result(
        self,
        *,
        job_id: str,
        current_revision: CurrentRevision | None = None,
        continuation_token: str | None = None,
        execution_details: ExecutionDetails | None = None,
        output_variables: Mapping[str, str] | None = None,
    ) -> None:
        """Report success, or with ``continuation_token`` ask to continue later."""
        request = PutJobSuccessResultInput(
            job_id=job_id,
            current_revision=current_revision,
            continuation_token=continuation_token,
            execution_details=execution_details,
            output_variables=output_variables,
        )
        await self._send("PutJobSuccessResult", "put_job_success_result", request)

    async def put_job_failure_result(
        self, *, job_id: str, failure_details: FailureDetails
    ) -> None:
        """Report failure."""
        request = PutJobFailureResultInput(
            job_id=job_id, failure_details=failure_details
        )
        await self._send("PutJobFailureResult", "put_job_failure_result", request)

    # --- third-party actions ----------------------------------------------

    async def poll_for_third_party_jobs(
        self, *, action_type_id: ActionTypeId, max_batch_size: int | None = None
    ) -> PollForThirdPartyJobsOutput:
        """Ask for jobs of a third-party action type (ids and client ids only)."""
        wire = self._poll_request(
            PollForThirdPartyJobsInput, action_type_id, max_batch_size, None
        )
        return await self._call_wire(
            "PollForThirdPartyJobs",
            "poll_for_third_party_jobs",
            wire,
            PollForThirdPartyJobsOutput,
        )

    def _poll_request(
        self,
        request_type: type[PollForJobsInput | PollForThirdPartyJobsInput],
        action_type_id: ActionTypeId,
        max_batch_size: int | None,
        query_param: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        """A poll request's wire form, validated once for each distinct request.

        A worker sends the same few poll requests again and again; what fails
        validation is never kept, so it raises `InvalidField` every time.
        """
        key = _poll_key(request_type, action_type_id, max_batch_size, query_param)
        cached = self._poll_requests.get(key) if key is not None else None
        if cached is not None:
            return cached
        fields: dict[str, Any] = (
            {} if query_param is None else {"query_param": query_param}
        )
        request = request_type(
            action_type_id=action_type_id, max_batch_size=max_batch_size, **fields
        )
        wire: dict[str, Any] = converter.unstructure(request)
        if key is not None:
            if len(self._poll_requests) >= _POLL_REQUESTS_KEPT:
                self._poll_requests.clear()
            self._poll_requests[key] = wire
        return wire

    async def get_third_party_job_details(
        self, *, job_id: str, client_token: str
    ) -> GetThirdPartyJobDetailsOutput:
        """A third-party job's details and nonce."""
        request = GetThirdPartyJobDetailsInput(job_id=job_id, client_token=client_token)
        return await self._call(
            "GetThirdPartyJobDetails",
            "get_third_party_job_details",
            request,
            GetThirdPartyJobDetailsOutput,
        )

    async def acknowledge_third_party_job(
        self, *, job_id: str, nonce: str, client_token: str
    ) -> AcknowledgeThirdPartyJobOutput:
        """Claim a third-party job; work on it only if the status is ``InProgress``."""
        request = AcknowledgeThirdPartyJobInput(
            job_id=job_id, nonce=nonce, client_token=client_token
        )
        return await self._call(
            "AcknowledgeThirdPartyJob",
            "acknowledge_third_party_job",
            request,
            AcknowledgeThirdPartyJobOutput,
        )

    async def put_third_party_job_success_result(
        self,
        *,
        job_id: str,
        client_token: str,
        current_revision: CurrentRevision | None = None,
        continuation_token: str | None = None,
        execution_details: ExecutionDetails | None = None,
    ) -> None:
        """Report a third-party job's success, or continue it later."""
        request = PutThirdPartyJobSuccessResultInput(
            job_id=job_id,
            client_token=client_token,
            current_revision=current_revision,
            continuation_token=continuation_token,
            execution_details=execution_details,
        )
        await self._send(
            "PutThirdPartyJobSuccessResult",
            "put_third_party_job_success_result",
            request,
        )

    async def put_third_party_job_failure_result(
        self, *, job_id: str, client_token: str, failure_details: FailureDetails
    ) -> None:
        """Report a third-party job's failure."""
        request = PutThirdPartyJobFailureResultInput(
            job_id=job_id, client_token=client_token, failure_details=failure_details
        )
        await self._send(
            "PutThirdPartyJobFailureResult",
            "put_third_party_job_failure_result",
            request,
        )

    # --- custom action types ----------------------------------------------

    async def create_custom_action_type(
        self,
        *,
        category: ActionCategory | str,
        provider: str,
        version: str,
        input_artifact_details: ArtifactDetails,
        output_artifact_details: ArtifactDetails,
        settings: ActionTypeSettings | None = None,
        configuration_properties: Iterable[ActionConfigurationProperty] | None = None,
        tags: Iterable[Tag] | None = None,
    ) -> CreateCustomActionTypeOutput:
        """Create a version of a custom action type (owner ``Custom``).

        The definition is checked before it is sent (`InvalidField`). A
        version cannot be changed once created: register a new one.
        """
        request = CreateCustomActionTypeInput(
            category=category,
            provider=provider,
            version=version,
            settings=settings,
            configuration_properties=configuration_properties,
            input_artifact_details=input_artifact_details,
            output_artifact_details=output_artifact_details,
            tags=tags,
        )
        return await self._call(
            "CreateCustomActionType",
            "create_custom_action_type",
            request,
            CreateCustomActionTypeOutput,
        )

    async def delete_custom_action_type(
        self, *, category: ActionCategory | str, provider: str, version: str
    ) -> None:
        """Delete a version of a custom action type; it cannot be created again."""
        request = DeleteCustomActionTypeInput(
            category=category, provider=provider, version=version
        )
        await self._send("DeleteCustomActionType", "delete_custom_action_type", request)

    async def list_action_types(
        self,
        *,
        action_owner_filter: ActionOwner | str | None = None,
        next_token: str | None = None,
        region_filter: str | None = None,
    ) -> ListActionTypesOutput:
        """One page of action types; pass its ``next_token`` for the next page."""
        request = ListActionTypesInput(
            action_owner_filter=action_owner_filter,
            next_token=next_token,
            region_filter=region_filter,
        )
        return await self._call(
            "ListActionTypes", "list_action_types", request, ListActionTypesOutput
        )

    async def action_types(
        self,
        *,
        action_owner_filter: ActionOwner | str | None = None,
        region_filter: str | None = None,
    ) -> AsyncGenerator[ActionType, None]:
        """Every action type, page after page: ``async for t in client.action_types()``.

        Leaving the loop early? Close it (``contextlib.aclosing``) so no page
        request is left behind.
        """
        next_token: str | None = None
        while True:
            page = await self.list_action_types(
                action_owner_filter=action_owner_filter,
                next_token=next_token,
                region_filter=region_filter,
            )
            for action_type in page.action_types:
                yield action_type
            next_token = page.next_token
            if next_token is None:
                return

    # --- iteration --------------------------------------------------------

    def jobs(
        self,
        action_type_id: ActionTypeId,
        *,
        max_batch_size: int = 1,
        query_param: Mapping[str, str] | None = None,
        backoff: Backoff = Backoff(),  # noqa: B008  (frozen, shared safely)
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> JobStream[Job]:
        """Poll for jobs until closed: ``async for job in client.jobs(...)``.

        Polls again at once while jobs come, waits with jittered exponential
        backoff while none do or the service throttles, and stops on
        ``break``, `JobStream.aclose` or cancellation. ``max_batch_size`` is 1
        by default so that no polled job waits in a buffer while you work.
        ``sleep`` and ``rng`` let tests drive the backoff.
        """
        # Validate now, not at the first poll.
        self._poll_request(
            PollForJobsInput, action_type_id, max_batch_size, query_param
        )

        async def poll(batch: int) -> tuple[Job, ...]:
            output = await self.poll_for_jobs(
                action_type_id=action_type_id,
                max_batch_size=batch,
                query_param=query_param,
            )
            return output.jobs or ()

        return JobStream(
            poll, max_batch_size=max_batch_size, backoff=backoff, sleep=sleep, rng=rng
        )

    def third_party_jobs(
        self,
        action_type_id: ActionTypeId,
        *,
        max_batch_size: int = 1,
        backoff: Backoff = Backoff(),  # noqa: B008
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> JobStream[ThirdPartyJob]:
        """Poll for third-party jobs until closed, like `jobs`."""
        self._poll_request(
            PollForThirdPartyJobsInput, action_type_id, max_batch_size, None
        )

        async def poll(batch: int) -> tuple[ThirdPartyJob, ...]:
            output = await self.poll_for_third_party_jobs(
                action_type_id=action_type_id, max_batch_size=batch
            )
            return output.jobs or ()

        return JobStream(
            poll, max_batch_size=max_batch_size, backoff=backoff, sleep=sleep, rng=rng
        )


_POLL_REQUESTS_KEPT = 256


def _poll_key(
    request_type: type[Any],
    action_type_id: object,
    max_batch_size: object,
    query_param: Mapping[str, str] | None,
) -> Hashable | None:
    """What makes a poll request distinct, or None where no key is safe to make.

    Only exact types are keyed: ``True == 1`` and a subclass may compare equal
    to a value that validates while failing validation itself.
    """
    if action_type_id.__class__ is not ActionTypeId or not (
        max_batch_size is None or max_batch_size.__class__ is int
    ):
        return None
    if query_param is None:
        return (request_type, action_type_id, max_batch_size, None)
    entries = tuple(query_param.items())
    if not all(k.__class__ is str and v.__class__ is str for k, v in entries):
        return None
    return (request_type, action_type_id, max_batch_size, entries)


class JobStream(Generic[JobT], AsyncIterator[JobT]):
    """Jobs as polls hand them out; made by `JobsClient.jobs`.

    It holds no task and no connection of its own: between two
    ``__anext__`` calls nothing runs, so leaving the loop leaves nothing
    behind. Jobs polled but not yet handed out when it closes go back to
    CodePipeline when their dispatch times out.
    """

    def __init__(
        self,
        poll: Callable[[int], Awaitable[tuple[JobT, ...]]],
        *,
        max_batch_size: int,
        backoff: Backoff,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._poll: Callable[[int], Awaitable[tuple[JobT, ...]]] = poll
        self._max_batch_size = max_batch_size
        self._backoff = backoff
        self._sleep = sleep
        self._rng = rng
        self._ready: deque[JobT] = deque()
        self._misses = 0
        self._closed = False
        #: Polls made, and how many of them came back empty or failed.
        self.polls = 0
        self.empty_polls = 0

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> JobT:
        while not self._ready:
            if self._closed:
                raise StopAsyncIteration
            await self._poll_once()
        if self._closed:  # closed while the poll was under way
            self._drop_ready()
            raise StopAsyncIteration
        return self._ready.popleft()

    async def _poll_once(self) -> None:
        self.polls += 1
        try:
            jobs = await self._poll(self._max_batch_size)
        except CPJobsError as error:
            if not error.retryable:
                raise
            logger.warning("poll failed, backing off: %s", error)
            jobs = ()
        if jobs:
            self._misses = 0
            self._ready.extend(jobs)
            return
        self.empty_polls += 1
        delay = self._backoff.delay(self._misses, self._rng)
        self._misses += 1
        await self._sleep(delay)

    async def aclose(self) -> None:
        """Stop polling; jobs polled but not handed out are dropped."""
        self._closed = True
        self._drop_ready()

    def _drop_ready(self) -> None:
        if self._ready:
            logger.debug(
                "dropping %d polled jobs; they return to the queue on dispatch timeout",
                len(self._ready),
            )
            self._ready.clear()
