"""Where the two kinds of job differ: how they are polled, claimed and reported.

A job source (`CustomJobs`, `ThirdPartyJobs`) polls for one action type and
claims what the poll brought: it acknowledges the job with its nonce (a
third-party job first needs its client token and its details) and returns a
`Claimed` handle, or raises `Skip` if the job is not this worker's to work.
The handle knows how to report the job's result; the third-party one holds
the client token. The runtime drives both without knowing which it has.
"""

from __future__ import annotations

import abc
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, Final, Generic, TypeVar

from ._client import JobsClient
from ._context import AnyJobData, ClientTokenProvider, JobContext, job_extra
from ._errors import (
    ActionTypeNotFound,
    CPJobsError,
    InvalidClientToken,
    InvalidField,
    InvalidNonce,
)
from ._events import SkipReason
from ._models import (
    ActionType,
    ActionTypeId,
    FailureDetails,
    Job,
    JobStatus,
    ThirdPartyJob,
    ThirdPartyJobDetails,
)
from ._outcomes import Continue, Success
from ._redact import configuration_secrets
from ._retry import Retrier
from ._transfers import ArtifactTransferred

__all__ = [
    "PLAIN_SUCCESS",
    "Claimed",
    "ClaimedJob",
    "ClaimedThirdPartyJob",
    "CustomJobs",
    "JobSource",
    "Skip",
    "ThirdPartyJobs",
    "claimed_job",
]

logger = logging.getLogger("cpjobs.worker")

JobT = TypeVar("JobT", Job, ThirdPartyJobDetails)
#: What a handler that returns None reports: nothing but the success itself.
PLAIN_SUCCESS: Final = Success()
PolledT = TypeVar("PolledT", Job, ThirdPartyJob)


class Skip(Exception):
    """A polled job is not worked; raised by a claim."""

    def __init__(
        self,
        reason: SkipReason,
        error: CPJobsError | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.reason = reason
        self.error = error
        #: The job's log ``extra``, once known: where it comes from.
        self.extra = extra


class Claimed(abc.ABC, Generic[JobT]):
    """A job this worker acknowledged and must report."""

    __slots__ = ("context", "extra", "job", "job_id", "retrier", "secret_keys", "seen")

    def __init__(
        self,
        *,
        job_id: str,
        job: JobT,
        data: AnyJobData | None,
        extra: dict[str, Any],
        retrier: Retrier,
        secret_keys: Collection[str] | None,
        fetch: Callable[[], Awaitable[AnyJobData | None]],
        client: JobsClient,
        on_transfer: Callable[[ArtifactTransferred], object] | None,
    ) -> None:
        self.job_id = job_id
        self.job: JobT = job
        #: The ``extra`` of the log records about the job.
        self.extra = extra
        self.retrier = retrier
        self.secret_keys = secret_keys
        #: The job's data, as claimed and as each refresh brought it: old
        #: credentials stay secret.
        self.seen: list[AnyJobData] = [] if data is None else [data]

        async def refresh() -> AnyJobData | None:
            fresh = await fetch()
            if fresh is not None:
                self.seen.append(fresh)
            return fresh

        self.context = JobContext(
            job_id=job_id,
            data=data,
            extra=extra,
            refresh=refresh,
            secret_keys=secret_keys,
            client=client,
            on_transfer=on_transfer,
        )

    def secrets(self) -> list[str]:
        """What no report or log about the job may show: credentials, secret values."""
        found: list[str] = []
        for data in self.seen:
            action = data.action_configuration
            if action is not None:
                found += configuration_secrets(action.configuration, self.secret_keys)
            credentials = data.artifact_credentials
            if credentials is not None:
                found += (
                    credentials.access_key_id,
                    credentials.secret_access_key,
                    credentials.session_token,
                )
        return found

    @abc.abstractmethod
    async def report_success(self, outcome: Success | Continue) -> None:
        """Report a success or a continuation, retried on transient errors."""

    @abc.abstractmethod
    async def report_failure(self, details: FailureDetails) -> None:
        """Report a failure, retried on transient errors."""


class ClaimedJob(Claimed[Job]):
    """A claimed custom-action job."""

    __slots__ = ("_client",)

    def __init__(self, client: JobsClient, **fields: Any) -> None:
        super().__init__(client=client, **fields)
        self._client = client

    async def report_success(self, outcome: Success | Continue) -> None:
        put = functools.partial(self._client.put_job_success_result, job_id=self.job_id)
        if isinstance(outcome, Continue):
            put = functools.partial(put, **_continuation(outcome))
        elif outcome is not PLAIN_SUCCESS:
            put = functools.partial(
                put,
                execution_details=outcome.execution_details,
                current_revision=outcome.current_revision,
                output_variables=outcome.output_variables,
            )
        await self.retrier.report(self.extra, "PutJobSuccessResult", put)

    async def report_failure(self, details: FailureDetails) -> None:
        await self.retrier.report(
            self.extra,
            "PutJobFailureResult",
            lambda: self._client.put_job_failure_result(
                job_id=self.job_id, failure_details=details
            ),
        )


class ClaimedThirdPartyJob(Claimed[ThirdPartyJobDetails]):
    """A claimed third-party job: reports carry its client token."""

    __slots__ = ("_client", "_client_token")

    def __init__(self, client: JobsClient, client_token: str, **fields: Any) -> None:
        super().__init__(client=client, **fields)
        self._client = client
        self._client_token = client_token

    def secrets(self) -> list[str]:
        return [*super().secrets(), self._client_token]

    async def report_success(self, outcome: Success | Continue) -> None:
        if isinstance(outcome, Success) and outcome.output_variables:
            raise InvalidField(
                "Success.output_variables",
                "is set for a third-party job",
                "none: third-party actions have no output variables",
            )
        put = functools.partial(
            self._client.put_third_party_job_success_result,
            job_id=self.job_id,
            client_token=self._client_token,
        )
        if isinstance(outcome, Continue):
            put = functools.partial(put, **_continuation(outcome))
        else:
            put = functools.partial(
                put,
                execution_details=outcome.execution_details,
                current_revision=outcome.current_revision,
            )
        await self.retrier.report(self.extra, "PutThirdPartyJobSuccessResult", put)

    async def report_failure(self, details: FailureDetails) -> None:
        await self.retrier.report(
            self.extra,
            "PutThirdPartyJobFailureResult",
            lambda: self._client.put_third_party_job_failure_result(
                job_id=self.job_id,
                client_token=self._client_token,
                failure_details=details,
            ),
        )


def _continuation(outcome: Continue) -> dict[str, Any]:
    """The arguments of a success report that continues the job."""
    return {
        "continuation_token": outcome.continuation_token,
        "execution_details": outcome.details(),
        "current_revision": outcome.current_revision,
    }


def _require_in_progress(status: JobStatus | None, extra: dict[str, Any]) -> None:
    """Raise `Skip` unless the acknowledged job is ours to work (InProgress)."""
    if status is not JobStatus.IN_PROGRESS:
        logger.debug("race lost: job is %s", status, extra=extra)
        raise Skip(SkipReason.RACE_LOST, None, extra)


class JobSource(abc.ABC, Generic[PolledT, JobT]):
    """Polls for the jobs of one action type and claims them."""

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        retrier: Retrier,
        secret_keys: Collection[str] | None,
    ) -> None:
        self._client = client
        self._action_type_id = action_type_id
        self._retrier = retrier
        #: The configuration properties that are secret; ``None``: all of them.
        self.secret_keys = secret_keys

    async def learn(self) -> None:
        """Read the action type's definition: which properties are secret.

        Those the user named stay secret. If the definition cannot be read
        (no ``codepipeline:ListActionTypes`` permission, say), nothing is
        learned, and without names every value counts as secret.

        Raises:
            ActionTypeNotFound: The service lists action types of this
                owner, and not this one.
        """
        wanted = self._action_type_id
        try:
            action_type = await self._definition()
        except CPJobsError as error:
            logger.info(
                "cannot read the action type's definition (%s): secret "
                "configuration values are %s",
                error,
                "those named" if self.secret_keys is not None else "all of them",
            )
            return
        if action_type is None:
            raise ActionTypeNotFound(
                "ActionTypeNotFoundException",
                f"{_describe_type(wanted)} is not among the action types "
                "ListActionTypes returns: create it, or check the region",
                operation="ListActionTypes",
            )
        learned = {
            prop.name
            for prop in action_type.action_configuration_properties or ()
            if prop.secret
        }
        self.secret_keys = learned | set(self.secret_keys or ())
        logger.debug("secret configuration properties: %s", sorted(self.secret_keys))

    async def _definition(self) -> ActionType | None:
        """The action type as ListActionTypes describes it; ``None`` if not listed."""
        wanted = self._action_type_id
        async for action_type in self._client.action_types(
            action_owner_filter=wanted.owner
        ):
            if action_type.id == wanted:
                return action_type
        return None

    #: Where the artifact transfers of the jobs it claims are reported.
    on_transfer: Callable[[ArtifactTransferred], object] | None = None

    @abc.abstractmethod
    async def poll(self, batch: int) -> Sequence[PolledT]:
        """Poll for up to ``batch`` jobs."""

    @abc.abstractmethod
    def polled_id(self, item: PolledT) -> str:
        """The id of a polled job, for events and logs."""

    @abc.abstractmethod
    async def claim(self, item: PolledT) -> Claimed[JobT]:
        """Acknowledge a polled job; raise `Skip` if it is not ours to work."""


class CustomJobs(JobSource[Job, Job]):
    """Polls for, claims and reports the jobs of a custom action type."""

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        query_param: Mapping[str, str] | None,
        retrier: Retrier,
        secret_keys: Collection[str] | None,
    ) -> None:
        super().__init__(client, action_type_id, retrier, secret_keys)
        self._query_param = query_param

    async def poll(self, batch: int) -> Sequence[Job]:
        output = await self._client.poll_for_jobs(
            action_type_id=self._action_type_id,
            max_batch_size=batch,
            query_param=self._query_param,
        )
        return output.jobs or ()

    def polled_id(self, item: Job) -> str:
        return item.id or "?"

    async def claim(self, item: Job) -> ClaimedJob:
        """Acknowledge a polled job; raise `Skip` if it is not ours to work."""
        job_id, nonce = item.id, item.nonce
        if job_id is None or nonce is None:
            logger.warning("polled a job without id or nonce: %r", item)
            raise Skip(SkipReason.CLAIM_FAILED)
        client, retrier = self._client, self._retrier
        extra = job_extra(job_id, item.data)
        try:
            ack = await retrier.call(
                extra,
                "AcknowledgeJob",
                lambda: client.acknowledge_job(job_id=job_id, nonce=nonce),
            )
        except InvalidNonce as error:
            logger.debug("race lost: %s", error, extra=extra)
            raise Skip(SkipReason.RACE_LOST, error, extra) from None
        except CPJobsError as error:
            logger.warning("acknowledging failed: %s", error, extra=extra)
            raise Skip(SkipReason.CLAIM_FAILED, error, extra) from None
        _require_in_progress(ack.status, extra)
        return claimed_job(
            client, item, job_id, extra, retrier, self.secret_keys, self.on_transfer
        )


def claimed_job(
    client: JobsClient,
    job: Job,
    job_id: str,
    extra: dict[str, Any],
    retrier: Retrier,
    secret_keys: Collection[str] | None,
    on_transfer: Callable[[ArtifactTransferred], object] | None,
) -> ClaimedJob:
    """A custom job to work and report; its details are fetched with GetJobDetails."""

    async def fetch() -> AnyJobData | None:
        output = await retrier.call(
            extra, "GetJobDetails", lambda: client.get_job_details(job_id=job_id)
        )
        details = output.job_details
        return details.data if details is not None else None

    return ClaimedJob(
        client,
        job_id=job_id,
        job=job,
        data=job.data,
        extra=extra,
        retrier=retrier,
        secret_keys=secret_keys,
        fetch=fetch,
        on_transfer=on_transfer,
    )


class ThirdPartyJobs(JobSource[ThirdPartyJob, ThirdPartyJobDetails]):
    """Polls for, claims and reports the jobs of a third-party action type."""

    def __init__(
        self,
        client: JobsClient,
        action_type_id: ActionTypeId,
        client_tokens: ClientTokenProvider,
        retrier: Retrier,
        secret_keys: Collection[str] | None,
    ) -> None:
        super().__init__(client, action_type_id, retrier, secret_keys)
        self._lookup = token_lookup(client_tokens)

    async def poll(self, batch: int) -> Sequence[ThirdPartyJob]:
        output = await self._client.poll_for_third_party_jobs(
            action_type_id=self._action_type_id, max_batch_size=batch
        )
        return output.jobs or ()

    def polled_id(self, item: ThirdPartyJob) -> str:
        return item.job_id or "?"

    async def _client_token(self, client_id: str, extra: dict[str, Any]) -> str:
        try:
            token = self._lookup(client_id)
            if inspect.isawaitable(token):
                token = await token
        except Exception as error:
            logger.error(
                "the client token provider failed for client %s: %s",
                client_id,
                type(error).__name__,
                extra=extra,
            )
            raise Skip(SkipReason.CLAIM_FAILED, None, extra) from None
        if not isinstance(token, str):
            logger.warning("unknown client id %s: job skipped", client_id, extra=extra)
            raise Skip(SkipReason.UNKNOWN_CLIENT, None, extra)
        return token

    async def claim(self, item: ThirdPartyJob) -> ClaimedThirdPartyJob:
        """Fetch a polled job's details and acknowledge it; `Skip` if not ours."""
        job_id, client_id = item.job_id, item.client_id
        if job_id is None or client_id is None:
            logger.warning("polled a job without id or client id: %r", item)
            raise Skip(SkipReason.CLAIM_FAILED)
        client, retrier = self._client, self._retrier
        extra = job_extra(job_id, None)
        client_token = await self._client_token(client_id, extra)

        async def details() -> ThirdPartyJobDetails | None:
            output = await retrier.call(
                extra,
                "GetThirdPartyJobDetails",
                lambda: client.get_third_party_job_details(
                    job_id=job_id, client_token=client_token
                ),
            )
            return output.job_details

        try:
            job = await details()
            nonce = job.nonce if job is not None else None
            if job is None or nonce is None:
                logger.warning("job details without a nonce", extra=extra)
                raise Skip(SkipReason.CLAIM_FAILED, None, extra)
            extra = job_extra(job_id, job.data)
            ack = await retrier.call(
                extra,
                "AcknowledgeThirdPartyJob",
                lambda: client.acknowledge_third_party_job(
                    job_id=job_id, nonce=nonce, client_token=client_token
                ),
            )
        except InvalidClientToken as error:
            logger.error(
                "client token rejected for client %s: %s", client_id, error, extra=extra
            )
            raise Skip(SkipReason.INVALID_CLIENT_TOKEN, error, extra) from None
        except InvalidNonce as error:
            logger.debug("race lost: %s", error, extra=extra)
            raise Skip(SkipReason.RACE_LOST, error, extra) from None
        except CPJobsError as error:
            logger.warning("claiming failed: %s", error, extra=extra)
            raise Skip(SkipReason.CLAIM_FAILED, error, extra) from None
        _require_in_progress(ack.status, extra)

        async def fetch() -> AnyJobData | None:
            fresh = await details()
            return fresh.data if fresh is not None else None

        return ClaimedThirdPartyJob(
            client,
            client_token,
            job_id=job_id,
            job=job,
            data=job.data,
            extra=extra,
            retrier=retrier,
            secret_keys=self.secret_keys,
            fetch=fetch,
            on_transfer=self.on_transfer,
        )


def token_lookup(
    provider: ClientTokenProvider,
) -> Callable[[str], str | Awaitable[str | None] | None]:
    """The client token provider as a function of the client id."""
    if isinstance(provider, Mapping):
        tokens: Mapping[str, str] = provider  # pyright: ignore[reportUnknownVariableType]
        return tokens.get
    return provider


def _describe_type(action_type_id: ActionTypeId) -> str:
    """``Custom/Build/MyTool/1``: an action type as the console names it."""
    return "/".join(
        (
            action_type_id.owner.value,
            action_type_id.category.value,
            action_type_id.provider,
            action_type_id.version,
        )
    )
