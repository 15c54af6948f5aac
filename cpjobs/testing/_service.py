"""The job-worker half of CodePipeline as an in-memory, thread-safe state machine.

`JobService` knows nothing of HTTP: it takes an operation's request as the
JSON protocol's dict and returns the response dict, or raises `ServiceFault`
with the error code and HTTP status the real service would answer with.

A job moves Queued -> Dispatched (a poll hands it out with a fresh nonce) ->
InProgress (acknowledged with that nonce) -> Succeeded or Failed. Time is read
from an injected clock and timeouts are applied lazily at every call: a
dispatched job that is not acknowledged in time is queued again (its next
dispatch gets a new nonce), an InProgress job without a result in time ends
as TimedOut.
"""

from __future__ import annotations

import re
import secrets
import string
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, Final, cast

import attrs

from .._converter import converter
from .._errors import InvalidField
from .._mapping import freeze
from .._models import (
    ActionCategory,
    ActionConfiguration,
    ActionOwner,
    ActionTypeId,
    CurrentRevision,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    JobData,
    JobStatus,
    PipelineContext,
)
from ._records import JobRecord, JobSuccess

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_DISPATCH_TIMEOUT",
    "DEFAULT_JOB_TIMEOUT",
    "OUTPUT_VARIABLES_MAX_BYTES",
    "JobService",
    "ServiceFault",
]

#: moto's default account.
ACCOUNT_ID: Final = "123456789012"
#: Seconds a polled job waits for its acknowledgement before it is queued again.
DEFAULT_DISPATCH_TIMEOUT: Final = 60.0
#: Seconds an acknowledged job has to report (CodePipeline's default action timeout).
DEFAULT_JOB_TIMEOUT: Final = 3600.0
#: CodePipeline's limit on all output variables of an action together: the
#: UTF-8 bytes of every key and value (122,880 bytes, as its user guide says).
OUTPUT_VARIABLES_MAX_BYTES: Final = 122_880

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NAME = re.compile(r"[0-9A-Za-z_-]+")
_QUERY_VALUE = re.compile(r"[a-zA-Z0-9_-]+")
_OUTPUT_VARIABLE_KEY = re.compile(r"[A-Za-z0-9@\-_]+")
_KEY_ALPHABET: Final = string.ascii_uppercase + string.digits

Params = Mapping[str, Any]
Response = dict[str, Any]
ActionTypeKey = tuple[str, str, str, str]


class ServiceFault(Exception):
    """An error answer: the service's error code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


def _validation(message: str) -> ServiceFault:
    return ServiceFault("ValidationException", message)


def _key(action_type_id: ActionTypeId) -> ActionTypeKey:
    return (
        action_type_id.category.value,
        action_type_id.owner.value,
        action_type_id.provider,
        action_type_id.version,
    )


def new_credentials() -> dict[str, str]:
    """Temporary-looking credentials that moto accepts for the default account."""
    return {
        "accessKeyId": "ASIA"
        + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
        "secretAccessKey": secrets.token_urlsafe(30),
        "sessionToken": secrets.token_urlsafe(96),
    }


# --- request parsing ---------------------------------------------------------


def _string(
    params: Params,
    name: str,
    *,
    required: bool = True,
    min_len: int = 1,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise _validation(f"Value null at '{name}' failed to satisfy constraint")
        return None
    if not isinstance(value, str):
        raise _validation(f"Value at '{name}' must be a string")
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        limit = f"{min_len} to {max_len}" if max_len is not None else f">= {min_len}"
        raise _validation(f"Value at '{name}' must have length {limit}")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise _validation(f"Value at '{name}' must match pattern {pattern.pattern}")
    return value


def _required(params: Params, name: str, **limits: Any) -> str:
    value = _string(params, name, **limits)
    assert value is not None
    return value


def _job_id(params: Params, name: str = "jobId") -> str:
    return _required(params, name, pattern=_UUID)


def _structure(params: Params, name: str, *, required: bool = False) -> Params | None:
    value = params.get(name)
    if value is None:
        if required:
            raise _validation(f"Value null at '{name}' failed to satisfy constraint")
        return None
    if not isinstance(value, dict):
        raise _validation(f"Value at '{name}' must be a structure")
    return cast("Params", value)


def _string_map(params: Params, name: str) -> dict[str, str] | None:
    value = _structure(params, name)
    if value is None:
        return None
    if not all(isinstance(v, str) for v in value.values()):
        raise _validation(f"Value at '{name}' must map strings to strings")
    return dict(value)


def _action_type_id(
    params: Params, *, owner: ActionOwner | None = None
) -> ActionTypeId:
    """Parse an action type id from its wire members (``params`` holds them)."""
    category = ActionCategory(_required(params, "category"))
    if not category.is_known:
        raise _validation(f"Invalid action category: {category.value}")
    owner_value = ActionOwner(
        owner.value if owner is not None else _required(params, "owner")
    )
    if not owner_value.is_known:
        raise _validation(f"Invalid action owner: {owner_value.value}")
    return ActionTypeId(
        category=category,
        owner=owner_value,
        provider=_required(params, "provider", max_len=35, pattern=_NAME),
        version=_required(params, "version", max_len=9, pattern=_NAME),
    )


def _max_batch_size(params: Params) -> int:
    value = params.get("maxBatchSize", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _validation("Value at 'maxBatchSize' must be an integer >= 1")
    return value


def _query_param(params: Params) -> dict[str, str]:
    query = _string_map(params, "queryParam") or {}
    if len(query) > 1:
        raise _validation("Value at 'queryParam' must have at most 1 entry")
    for key, value in query.items():
        if not 1 <= len(key) <= 50:
            raise _validation("Keys of 'queryParam' must have length 1 to 50")
        if not 1 <= len(value) <= 50 or _QUERY_VALUE.fullmatch(value) is None:
            raise _validation(
                "Values of 'queryParam' must be 1 to 50 characters of [a-zA-Z0-9_-]"
            )
    return query


def _built(build: Callable[[], Any]) -> Any:
    """Build a cpjobs model from wire values; its limits become ValidationException."""
    try:
        return build()
    except InvalidField as error:
        raise _validation(str(error)) from None
    except (KeyError, TypeError, ValueError) as error:
        raise _validation(f"Invalid value: {error}") from None


def _current_revision(params: Params) -> CurrentRevision | None:
    wire = _structure(params, "currentRevision")
    if wire is None:
        return None
    created = wire.get("created")
    if created is not None and (
        isinstance(created, bool) or not isinstance(created, (int, float))
    ):
        raise _validation("Value at 'currentRevision.created' must be a timestamp")
    revision: CurrentRevision = _built(
        lambda: CurrentRevision(
            revision=wire["revision"],
            change_identifier=wire["changeIdentifier"],
            created=None
            if created is None
            else datetime.fromtimestamp(created, tz=timezone.utc),
            revision_summary=wire.get("revisionSummary"),
        )
    )
    return revision


def _execution_details(params: Params) -> ExecutionDetails | None:
    wire = _structure(params, "executionDetails")
    if wire is None:
        return None
    details: ExecutionDetails = _built(
        lambda: ExecutionDetails(
            summary=wire.get("summary"),
            external_execution_id=wire.get("externalExecutionId"),
            percent_complete=wire.get("percentComplete"),
        )
    )
    return details


def _failure_details(params: Params) -> FailureDetails:
    wire = _structure(params, "failureDetails", required=True)
    assert wire is not None
    failure_type = FailureType(_required(wire, "type"))
    if not failure_type.is_known:
        raise _validation(f"Invalid failure type: {failure_type.value}")
    details: FailureDetails = _built(
        lambda: FailureDetails(
            type=failure_type,
            message=wire["message"],
            external_execution_id=wire.get("externalExecutionId"),
        )
    )
    return details


def _third_party_ids(params: Params) -> tuple[str, str]:
    job_id = _required(params, "jobId", max_len=512)
    return job_id, _required(params, "clientToken", max_len=256)


def _output_variables(params: Params) -> dict[str, str] | None:
    variables = _string_map(params, "outputVariables")
    for key in variables or {}:
        if _OUTPUT_VARIABLE_KEY.fullmatch(key) is None:
            pattern = _OUTPUT_VARIABLE_KEY.pattern
            raise _validation(f"Keys of 'outputVariables' must match {pattern}")
    return variables


def _success(params: Params, *, with_output_variables: bool) -> JobSuccess:
    output_variables = _output_variables(params) if with_output_variables else None
    continuation_token = _string(
        params, "continuationToken", required=False, max_len=2048
    )
    if output_variables is not None and continuation_token is not None:
        raise _validation(
            "outputVariables can only be sent without a continuationToken"
        )
    return JobSuccess(
        execution_details=_execution_details(params),
        current_revision=_current_revision(params),
        output_variables=freeze(output_variables),
        continuation_token=continuation_token,
    )


# --- state -------------------------------------------------------------------


@attrs.define(kw_only=True)
class _Job:
    id: str
    action_type_id: ActionTypeId
    # The wire form of the job's data: configuration and credentials inside.
    data: dict[str, Any] = attrs.field(repr=False)
    client_id: str | None
    status: JobStatus = JobStatus.QUEUED
    nonce: str | None = None
    dispatch_count: int = 0
    since: float = 0.0
    previous_job_id: str | None = None
    next_job_id: str | None = None
    success: JobSuccess | None = None
    failure_details: FailureDetails | None = None

    def record(self) -> JobRecord:
        data = converter.structure(self.data, JobData)
        configuration = data.action_configuration or ActionConfiguration()
        return JobRecord(
            id=self.id,
            action_type_id=self.action_type_id,
            status=self.status,
            nonce=self.nonce,
            dispatch_count=self.dispatch_count,
            account_id=ACCOUNT_ID,
            configuration=configuration.configuration or {},
            pipeline_context=data.pipeline_context or PipelineContext(),
            input_artifacts=data.input_artifacts or (),
            output_artifacts=data.output_artifacts or (),
            encryption_key=data.encryption_key,
            continuation_token=data.continuation_token,
            client_id=self.client_id,
            previous_job_id=self.previous_job_id,
            next_job_id=self.next_job_id,
            success=self.success,
            failure_details=self.failure_details,
        )


@attrs.define(kw_only=True)
class _ActionType:
    id: ActionTypeId
    wire: dict[str, Any]


class JobService:
    """Action types, jobs and their state machine, behind one lock.

    Args:
        clock: Seconds, read at every call to apply the timeouts.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._operations: dict[str, Callable[[Params], Response]] = {
            "AcknowledgeJob": self._acknowledge_job,
            "AcknowledgeThirdPartyJob": self._acknowledge_third_party_job,
            "CreateCustomActionType": self._create_custom_action_type,
            "DeleteCustomActionType": self._delete_custom_action_type,
            "GetJobDetails": self._get_job_details,
            "GetThirdPartyJobDetails": self._get_third_party_job_details,
            "ListActionTypes": self._list_action_types,
            "PollForJobs": self._poll_for_jobs,
            "PollForThirdPartyJobs": self._poll_for_third_party_jobs,
            "PutJobFailureResult": self._put_job_failure_result,
            "PutJobSuccessResult": self._put_job_success_result,
            "PutThirdPartyJobFailureResult": self._put_third_party_job_failure_result,
            "PutThirdPartyJobSuccessResult": self._put_third_party_job_success_result,
        }
        self.dispatch_timeout = DEFAULT_DISPATCH_TIMEOUT
        self.job_timeout = DEFAULT_JOB_TIMEOUT
        self._action_types: dict[ActionTypeKey, _ActionType] = {}
        self._jobs: dict[str, _Job] = {}
        self._client_tokens: dict[str, str] = {}
        #: Called under the lock with the record of each job that ends; they
        #: must not call back into the service.
        self._end_listeners: list[Callable[[JobRecord], None]] = []

    @property
    def operations(self) -> frozenset[str]:
        """The operations this service answers."""
        return frozenset(self._operations)

    def call(self, operation: str, params: Params) -> Response:
        """Answer one request; raise `ServiceFault` for an error answer."""
        handler = self._operations[operation]
        with self._lock:
            self._expire()
            return handler(params)

    # --- for the emulator's Python API ---------------------------------------

    def reset(self) -> None:
        """Forget every action type, job and client, and restore the timeouts."""
        with self._lock:
            self._action_types.clear()
            self._jobs.clear()
            self._client_tokens.clear()
            self.dispatch_timeout = DEFAULT_DISPATCH_TIMEOUT
            self.job_timeout = DEFAULT_JOB_TIMEOUT

    def add_end_listener(self, listener: Callable[[JobRecord], None]) -> None:
        """Call ``listener`` with the record of every job that ends, under the lock.

        A job ends as Succeeded, Failed or TimedOut; ``listener`` must return
        quickly and must not call back into the service.
        """
        self._end_listeners.append(listener)

    def register(self, action_type_id: ActionTypeId) -> None:
        """Register an action type (of any owner) if it is not yet."""
        with self._lock:
            self._register(action_type_id)

    def enqueue(
        self,
        action_type_id: ActionTypeId,
        data: dict[str, Any],
        *,
        client: tuple[str, str] | None = None,
    ) -> str:
        """Queue a job with ``data`` (the wire JobData, without credentials)."""
        with self._lock:
            self._register(action_type_id)
            client_id = None
            if client is not None:
                client_id, client_token = client
                self._client_tokens[client_id] = client_token
            job = _Job(
                id=str(uuid.uuid4()),
                action_type_id=action_type_id,
                data=data,
                client_id=client_id,
                since=self._clock(),
            )
            self._jobs[job.id] = job
            return job.id

    def client_token(self, client_id: str) -> str | None:
        """Return the client token of a third-party client, if it is known."""
        with self._lock:
            return self._client_tokens.get(client_id)

    def record(self, job_id: str) -> JobRecord:
        """Return a snapshot of one job; `KeyError` if there is none."""
        with self._lock:
            self._expire()
            return self._jobs[job_id].record()

    def records(self) -> tuple[JobRecord, ...]:
        """Return snapshots of all jobs, oldest first."""
        with self._lock:
            self._expire()
            return tuple(job.record() for job in self._jobs.values())

    # --- state machine --------------------------------------------------------

    def _register(self, action_type_id: ActionTypeId, **wire: Any) -> dict[str, Any]:
        key = _key(action_type_id)
        if key not in self._action_types or wire:
            artifacts = {"minimumCount": 0, "maximumCount": 5}
            self._action_types[key] = _ActionType(
                id=action_type_id,
                wire={
                    "id": converter.unstructure(action_type_id),
                    "inputArtifactDetails": artifacts,
                    "outputArtifactDetails": artifacts,
                    **wire,
                },
            )
        return self._action_types[key].wire

    def _expire(self) -> None:
        now = self._clock()
        for job in self._jobs.values():
            if (
                job.status is JobStatus.DISPATCHED
                and now - job.since >= self.dispatch_timeout
            ):
                job.status, job.nonce, job.since = JobStatus.QUEUED, None, now
            elif (
                job.status is JobStatus.IN_PROGRESS
                and now - job.since >= self.job_timeout
            ):
                job.status, job.since = JobStatus.TIMED_OUT, now
                self._ended(job)

    def _dispatch(
        self, action_type_id: ActionTypeId, count: int, query: Mapping[str, str]
    ) -> Iterator[_Job]:
        if _key(action_type_id) not in self._action_types:
            raise ServiceFault(
                "ActionTypeNotFoundException",
                f"ActionType {converter.unstructure(action_type_id)} does not exist",
            )
        handed_out = 0
        for job in self._jobs.values():
            if handed_out == count:
                break
            configuration = job.data["actionConfiguration"]["configuration"]
            if (
                job.status in (JobStatus.CREATED, JobStatus.QUEUED)
                and job.action_type_id == action_type_id
                and all(configuration.get(k) == v for k, v in query.items())
            ):
                job.status = JobStatus.DISPATCHED
                job.nonce = secrets.token_hex(16)
                job.dispatch_count += 1
                job.since = self._clock()
                handed_out += 1
                yield job

    def _data(self, job: _Job) -> dict[str, Any]:
        return {**job.data, "artifactCredentials": new_credentials()}

    def _job(self, job_id: str, *, third_party: bool) -> _Job:
        job = self._jobs.get(job_id)
        if job is None or (job.client_id is not None) != third_party:
            raise ServiceFault("JobNotFoundException", f"Job {job_id} not found")
        return job

    def _third_party_job(self, job_id: str, client_token: str) -> _Job:
        job = self._job(job_id, third_party=True)
        assert job.client_id is not None
        if self._client_tokens.get(job.client_id) != client_token:
            raise ServiceFault(
                "InvalidClientTokenException",
                f"The client token is not valid for job {job_id}",
            )
        return job

    def _acknowledge(self, job: _Job, nonce: str) -> Response:
        if job.nonce is None or not secrets.compare_digest(job.nonce, nonce):
            raise ServiceFault(
                "InvalidNonceException", f"Nonce does not match for job {job.id}"
            )
        if job.status is JobStatus.DISPATCHED:
            job.status, job.since = JobStatus.IN_PROGRESS, self._clock()
        return {"status": job.status.value}

    def _require_in_progress(self, job: _Job) -> None:
        if job.status is not JobStatus.IN_PROGRESS:
            raise ServiceFault(
                "InvalidJobStateException",
                f"Job {job.id} is {job.status.value}, not InProgress",
            )

    def _succeed(self, job: _Job, success: JobSuccess) -> Response:
        self._require_in_progress(job)
        variables = success.output_variables
        if variables is not None:
            size = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
            if size > OUTPUT_VARIABLES_MAX_BYTES:
                raise ServiceFault(
                    "OutputVariablesSizeExceededException",
                    f"Output variables are {size} bytes, more than the "
                    f"{OUTPUT_VARIABLES_MAX_BYTES} allowed",
                )
        job.status, job.since = JobStatus.SUCCEEDED, self._clock()
        job.success = success
        if success.continuation_token is not None:
            following = _Job(
                id=str(uuid.uuid4()),
                action_type_id=job.action_type_id,
                data={**job.data, "continuationToken": success.continuation_token},
                client_id=job.client_id,
                since=self._clock(),
                previous_job_id=job.id,
            )
            job.next_job_id = following.id
            self._jobs[following.id] = following
        self._ended(job)
        return {}

    def _fail(self, job: _Job, failure_details: FailureDetails) -> Response:
        self._require_in_progress(job)
        job.status, job.since = JobStatus.FAILED, self._clock()
        job.failure_details = failure_details
        self._ended(job)
        return {}

    def _ended(self, job: _Job) -> None:
        if self._end_listeners:
            record = job.record()
            for listener in self._end_listeners:
                listener(record)

    # --- operations -----------------------------------------------------------

    def _create_custom_action_type(self, params: Params) -> Response:
        action_type_id = _action_type_id(params, owner=ActionOwner.CUSTOM)
        wire: dict[str, Any] = {}
        for member, wire_name in (
            ("inputArtifactDetails", "inputArtifactDetails"),
            ("outputArtifactDetails", "outputArtifactDetails"),
            ("settings", "settings"),
            ("configurationProperties", "actionConfigurationProperties"),
        ):
            if params.get(member) is not None:
                wire[wire_name] = params[member]
        action_type = self._register(action_type_id, **wire)
        return {"actionType": action_type, "tags": params.get("tags") or []}

    def _delete_custom_action_type(self, params: Params) -> Response:
        action_type_id = _action_type_id(params, owner=ActionOwner.CUSTOM)
        self._action_types.pop(_key(action_type_id), None)
        return {}

    def _list_action_types(self, params: Params) -> Response:
        owner = _string(params, "actionOwnerFilter", required=False)
        return {
            "actionTypes": [
                action_type.wire
                for action_type in self._action_types.values()
                if owner is None or action_type.id.owner.value == owner
            ]
        }

    def _poll_for_jobs(self, params: Params) -> Response:
        wire_id = _structure(params, "actionTypeId", required=True)
        assert wire_id is not None
        action_type_id = _action_type_id(wire_id)
        if action_type_id.owner is not ActionOwner.CUSTOM:
            raise _validation("PollForJobs is only valid for actions owned by Custom")
        count = _max_batch_size(params)
        query = _query_param(params)
        return {
            "jobs": [
                {
                    "id": job.id,
                    "data": self._data(job),
                    "nonce": job.nonce,
                    "accountId": ACCOUNT_ID,
                }
                for job in self._dispatch(action_type_id, count, query)
            ]
        }

    def _poll_for_third_party_jobs(self, params: Params) -> Response:
        wire_id = _structure(params, "actionTypeId", required=True)
        assert wire_id is not None
        action_type_id = _action_type_id(wire_id)
        if action_type_id.owner is not ActionOwner.THIRD_PARTY:
            raise _validation(
                "PollForThirdPartyJobs is only valid for actions owned by ThirdParty"
            )
        count = _max_batch_size(params)
        return {
            "jobs": [
                {"clientId": job.client_id, "jobId": job.id}
                for job in self._dispatch(action_type_id, count, {})
            ]
        }

    def _acknowledge_job(self, params: Params) -> Response:
        job_id = _job_id(params)
        nonce = _required(params, "nonce", max_len=50)
        return self._acknowledge(self._job(job_id, third_party=False), nonce)

    def _acknowledge_third_party_job(self, params: Params) -> Response:
        job_id, client_token = _third_party_ids(params)
        nonce = _required(params, "nonce", max_len=50)
        return self._acknowledge(self._third_party_job(job_id, client_token), nonce)

    def _get_job_details(self, params: Params) -> Response:
        job = self._job(_job_id(params), third_party=False)
        return {
            "jobDetails": {
                "id": job.id,
                "data": self._data(job),
                "accountId": ACCOUNT_ID,
            }
        }

    def _get_third_party_job_details(self, params: Params) -> Response:
        job = self._third_party_job(*_third_party_ids(params))
        if job.nonce is None:
            raise ServiceFault(
                "InvalidJobException", f"Job {job.id} has not been dispatched"
            )
        return {
            "jobDetails": {"id": job.id, "data": self._data(job), "nonce": job.nonce}
        }

    def _put_job_success_result(self, params: Params) -> Response:
        job_id = _job_id(params)
        success = _success(params, with_output_variables=True)
        return self._succeed(self._job(job_id, third_party=False), success)

    def _put_job_failure_result(self, params: Params) -> Response:
        job_id = _job_id(params)
        failure_details = _failure_details(params)
        return self._fail(self._job(job_id, third_party=False), failure_details)

    def _put_third_party_job_success_result(self, params: Params) -> Response:
        job_id, client_token = _third_party_ids(params)
        success = _success(params, with_output_variables=False)
        return self._succeed(self._third_party_job(job_id, client_token), success)

    def _put_third_party_job_failure_result(self, params: Params) -> Response:
        job_id, client_token = _third_party_ids(params)
        failure_details = _failure_details(params)
        return self._fail(self._third_party_job(job_id, client_token), failure_details)
