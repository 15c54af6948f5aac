"""The job-worker half of CodePipeline as an in-memory, thread-safe state machine.

`JobService` knows nothing of HTTP: it takes an operation's request as the
JSON protocol's dict and returns the response dict, or raises `ServiceFault`
with the error code and HTTP status the real service would answer with.
Inside, everything is a cpjobs model: requests are structured into their
``*Input`` models (whose validators hold the service's limits), jobs keep
their `JobData`, and answers are unstructured from the ``*Output`` models by
`cpjobs.converter`.

A job moves Queued -> Dispatched (a poll hands it out with a fresh nonce) ->
InProgress (acknowledged with that nonce) -> Succeeded or Failed. Time is read
from an injected clock and timeouts are applied lazily at every call: a
dispatched job that is not acknowledged in time is queued again (its next
dispatch gets a new nonce), an InProgress job without a result in time ends
as TimedOut.
"""

from __future__ import annotations

import enum
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, TypeVar

import attrs

from .._converter import wire_name
from .._errors import InvalidField
from .._models import (
    AcknowledgeJobInput,
    AcknowledgeJobOutput,
    AcknowledgeThirdPartyJobInput,
    AcknowledgeThirdPartyJobOutput,
    ActionConfiguration,
    ActionOwner,
    ActionTypeId,
    Artifact,
    FailureDetails,
    GetJobDetailsInput,
    GetJobDetailsOutput,
    GetThirdPartyJobDetailsInput,
    GetThirdPartyJobDetailsOutput,
    Job,
    JobData,
    JobDetails,
    JobStatus,
    PipelineContext,
    PollForJobsInput,
    PollForJobsOutput,
    PollForThirdPartyJobsInput,
    PollForThirdPartyJobsOutput,
    PutJobFailureResultInput,
    PutJobSuccessResultInput,
    PutThirdPartyJobFailureResultInput,
    PutThirdPartyJobSuccessResultInput,
    ThirdPartyJob,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from ._action_types import (
    ActionType,
    ActionTypeRuleError,
    ActionTypes,
    CreateCustomActionTypeInput,
    CreateCustomActionTypeOutput,
    DeleteCustomActionTypeInput,
    ListActionTypesOutput,
    configuration_problem,
    custom_action_type,
    default_action_type,
    describe,
    make_wire_converter,
)
from ._artifacts import ArtifactAccess
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

#: The service model's JobId: custom jobs' ids are UUIDs.
_JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: The messages of the converter's own errors, to say them the service's way.
_MISSING_MEMBER = re.compile(r"(\w+): required member '(\w+)' is missing")
_WRONG_TYPE = re.compile(r"([\w.]+): expected (.+), got \w+")
_IDENTIFIER = re.compile(r"[a-z_]+")

#: Structures requests and unstructures answers (action types have booleans).
converter: Final = make_wire_converter()

Params = Mapping[str, Any]
Response = dict[str, Any]
T = TypeVar("T")


class ServiceFault(Exception):
    """An error answer: the service's error code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


# --- requests -------------------------------------------------------------------


def _validation(message: str) -> ServiceFault:
    return ServiceFault("ValidationException", message)


def _constraint(path: str, constraint: str) -> ServiceFault:
    """A ValidationException worded as the service words it."""
    return _validation(
        f"1 validation error detected: Value at '{path}' failed to satisfy "
        f"constraint: {constraint}"
    )


def _wire_path(field: str) -> str:
    """``PollForJobsInput.query_param['k']`` -> ``queryParam['k']``.

    Nested models (``ActionTypeId.provider``) keep their member name as a
    prefix (``actionTypeId.provider``).
    """
    owner, dot, member = field.partition(".")
    if not dot:
        return field
    match = _IDENTIFIER.match(member)
    if match is not None:
        member = wire_name(match.group()) + member[match.end() :]
    if owner.endswith("Input") or not owner:
        return member
    return f"{owner[:1].lower()}{owner[1:]}.{member}"


def _request(params: Params, cls: type[T]) -> T:
    """Structure a request into its model; broken limits are ValidationException."""
    try:
        return converter.structure(params, cls)
    except InvalidField as error:
        raise _constraint(
            _wire_path(error.field), f"{error.limit} ({error.problem})"
        ) from None
    except KeyError as error:
        missing = _MISSING_MEMBER.search(str(error))
        path = "a required member" if missing is None else missing.group(2)
        if missing is not None and not missing.group(1).endswith("Input"):
            path = _wire_path(f"{missing.group(1)}.{path}")
        raise _validation(
            f"1 validation error detected: Value null at '{path}' failed to "
            "satisfy constraint: Member must not be null"
        ) from None
    except (TypeError, ValueError) as error:
        wrong = _WRONG_TYPE.search(str(error))
        if wrong is None:
            raise _validation(f"1 validation error detected: {error}") from None
        raise _constraint(
            _wire_path(wrong.group(1)), f"Member must be {wrong.group(2)}"
        ) from None


def _wire(model: object) -> Response:
    """The JSON protocol's dict of a response model."""
    wire: Response = converter.unstructure(model)
    return wire


def _known(value: enum.Enum, path: str, enum_type: type[enum.Enum]) -> None:
    """Refuse a value the service's enum does not have."""
    if value.name == "UNKNOWN":
        members = ", ".join(str(member.value) for member in enum_type)
        raise _constraint(path, f"Member must satisfy enum value set: [{members}]")


def _checked_action_type_id(action_type_id: ActionTypeId, path: str) -> ActionTypeId:
    """Check an action type id against the service's limits and enums."""
    _request({"actionTypeId": converter.unstructure(action_type_id)}, PollForJobsInput)
    _known(action_type_id.category, f"{path}.category", type(action_type_id.category))
    _known(action_type_id.owner, f"{path}.owner", type(action_type_id.owner))
    return action_type_id


def _custom_job_id(job_id: str) -> str:
    if _JOB_ID.fullmatch(job_id) is None:
        raise _constraint(
            "jobId",
            f"Member must satisfy regular expression pattern: {_JOB_ID.pattern}",
        )
    return job_id


def _success(
    request: PutJobSuccessResultInput | PutThirdPartyJobSuccessResultInput,
) -> JobSuccess:
    variables = getattr(request, "output_variables", None)
    return JobSuccess(
        execution_details=request.execution_details,
        current_revision=request.current_revision,
        output_variables=variables,
        continuation_token=request.continuation_token,
    )


def _failure(failure_details: FailureDetails) -> FailureDetails:
    _known(failure_details.type, "failureDetails.type", type(failure_details.type))
    return failure_details


def _object_keys(artifacts: tuple[Artifact, ...] | None, bucket: str) -> list[str]:
    """The keys of the artifacts in ``bucket`` (an S3 source may be elsewhere)."""
    return [
        artifact.location.s3_location.object_key
        for artifact in artifacts or ()
        if artifact.location is not None
        and artifact.location.s3_location is not None
        and artifact.location.s3_location.bucket_name == bucket
    ]


# --- state -------------------------------------------------------------------


@attrs.define(kw_only=True)
class _Job:
    id: str
    # What the job carries (no credentials: each answer gets fresh ones).
    data: JobData = attrs.field(repr=False)
    client_id: str | None
    status: JobStatus = JobStatus.QUEUED
    nonce: str | None = None
    dispatch_count: int = 0
    since: float = 0.0
    previous_job_id: str | None = None
    next_job_id: str | None = None
    success: JobSuccess | None = None
    failure_details: FailureDetails | None = None

    @property
    def action_type_id(self) -> ActionTypeId:
        assert self.data.action_type_id is not None
        return self.data.action_type_id

    @property
    def configuration(self) -> Mapping[str, str]:
        configuration = self.data.action_configuration or ActionConfiguration()
        return configuration.configuration or {}

    def record(self) -> JobRecord:
        data = self.data
        return JobRecord(
            id=self.id,
            action_type_id=self.action_type_id,
            status=self.status,
            nonce=self.nonce,
            dispatch_count=self.dispatch_count,
            account_id=ACCOUNT_ID,
            configuration=self.configuration,
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


class JobService:
    """Action types, jobs and their state machine, behind one lock.

    Args:
        clock: Seconds, read at every call to apply the timeouts.
        access: Hands out each job's scoped artifact credentials.
    """

    def __init__(self, clock: Callable[[], float], access: ArtifactAccess) -> None:
        self._clock = clock
        self._access = access
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
        self._action_types = ActionTypes()
        self._jobs: dict[str, _Job] = {}
        self._client_tokens: dict[str, str] = {}
        self._queue_listeners: list[Callable[[JobRecord], None]] = []
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

    def register(
        self, action_type_id: ActionTypeId, *, queryable_property: str | None = None
    ) -> None:
        """Register an action type (of any owner).

        Raises:
            ValueError: If it is registered with another definition.
        """
        action_type = default_action_type(
            action_type_id, queryable_property=queryable_property
        )
        with self._lock:
            if self._action_types.ensure(action_type) != action_type:
                raise ValueError(
                    f"register_action_type: {describe(action_type_id)} is "
                    "registered with another definition"
                )

    def configuration_problem(
        self, action_type_id: ActionTypeId, configuration: Mapping[str, str]
    ) -> str | None:
        """What a job's configuration lacks for its registered type, if anything."""
        with self._lock:
            action_type = self._action_types.get(action_type_id)
        if action_type is None:
            return None
        return configuration_problem(action_type, configuration)

    def add_queue_listener(self, listener: Callable[[JobRecord], None]) -> None:
        """Call ``listener`` with the record of every job queued, under the lock.

        A job is queued by `enqueue` or as the continuation of one that asked
        to continue (not when a dispatch times out); ``listener`` must return
        quickly and must not call the service.
        """
        self._queue_listeners.append(listener)

    def enqueue(self, data: JobData, *, client_id: str | None = None) -> str:
        """Queue a job with ``data`` (without credentials); return its id.

        Its action type is registered if it is not yet.
        """
        assert data.action_type_id is not None
        with self._lock:
            self._action_types.ensure(default_action_type(data.action_type_id))
            job = _Job(
                id=str(uuid.uuid4()),
                data=data,
                client_id=client_id,
                since=self._clock(),
            )
            self._jobs[job.id] = job
            self._queued(job)
            return job.id

    def invoke(self, job_id: str) -> JobData:
        """Hand a queued custom job to a Lambda function: InProgress, no nonce.

        CodePipeline invokes the function instead of waiting for a poll, and
        the function reports without acknowledging. Returns the job's data
        with fresh artifact credentials.

        Raises:
            KeyError: There is no such custom job.
            ValueError: The job is not waiting to be handed out.
        """
        with self._lock:
            self._expire()
            job = self._jobs.get(job_id)
            if job is None or job.client_id is not None:
                raise KeyError(f"no custom job {job_id}")
            if job.status not in (JobStatus.CREATED, JobStatus.QUEUED):
                raise ValueError(f"job {job_id} is {job.status.value}, not Queued")
            job.status, job.since = JobStatus.IN_PROGRESS, self._clock()
            job.dispatch_count += 1
            return self._data(job)

    def client_token(self, client_id: str) -> str:
        """The client token of a third-party client, made on first use."""
        with self._lock:
            return self._client_tokens.setdefault(client_id, str(uuid.uuid4()))

    def existing_client_token(self, client_id: str) -> str | None:
        """The client token of a third-party client; ``None`` if there is none yet."""
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

    def _queued(self, job: _Job) -> None:
        if self._queue_listeners:
            record = job.record()
            for listener in self._queue_listeners:
                listener(record)

    def _action_type(self, action_type_id: ActionTypeId) -> ActionType:
        action_type = self._action_types.get(action_type_id)
        if action_type is None:
            raise ServiceFault(
                "ActionTypeNotFoundException",
                f"ActionType {describe(action_type_id)} does not exist",
            )
        return action_type

    def _query(
        self, action_type: ActionType, query: Mapping[str, str] | None
    ) -> Mapping[str, str]:
        """Check a poll's queryParam against the type's queryable property."""
        query = query or {}
        queryable = action_type.queryable_property
        if queryable is None and query:
            raise _validation(
                f"ActionType {describe(action_type.id)} has no queryable "
                "configuration property: queryParam must be null or empty"
            )
        if queryable is not None and set(query) != {queryable}:
            raise _validation(
                f"ActionType {describe(action_type.id)} has the queryable "
                f"configuration property {queryable}: queryParam must give "
                "exactly that property"
            )
        return query

    def _dispatch(
        self, action_type_id: ActionTypeId, count: int, query: Mapping[str, str]
    ) -> Iterator[_Job]:
        handed_out = 0
        for job in self._jobs.values():
            if handed_out == count:
                break
            if (
                job.status in (JobStatus.CREATED, JobStatus.QUEUED)
                and job.action_type_id == action_type_id
                and all(job.configuration.get(k) == v for k, v in query.items())
            ):
                job.status = JobStatus.DISPATCHED
                job.nonce = secrets.token_hex(16)
                job.dispatch_count += 1
                job.since = self._clock()
                handed_out += 1
                yield job

    def _data(self, job: _Job) -> JobData:
        """The job's data with fresh credentials for its artifacts only."""
        credentials = self._access.issue(
            job.id,
            readable=_object_keys(job.data.input_artifacts, self._access.bucket),
            writable=_object_keys(job.data.output_artifacts, self._access.bucket),
            encrypted=job.data.encryption_key is not None,
        )
        return attrs.evolve(job.data, artifact_credentials=credentials)

    def _job(self, job_id: str, *, third_party: bool) -> _Job:
        job = self._jobs.get(job_id)
        if job is None or (job.client_id is not None) != third_party:
            raise ServiceFault("JobNotFoundException", f"Job {job_id} not found")
        return job

    def _third_party_job(self, job_id: str, client_token: str) -> _Job:
        job = self._job(job_id, third_party=True)
        assert job.client_id is not None
        known = self._client_tokens.get(job.client_id, "")
        if not secrets.compare_digest(known, client_token):
            raise ServiceFault(
                "InvalidClientTokenException",
                f"The client token is not valid for job {job_id}",
            )
        return job

    def _acknowledge(self, job: _Job, nonce: str) -> JobStatus:
        if job.nonce is None or not secrets.compare_digest(job.nonce, nonce):
            raise ServiceFault(
                "InvalidNonceException", f"Nonce does not match for job {job.id}"
            )
        if job.status is JobStatus.DISPATCHED:
            job.status, job.since = JobStatus.IN_PROGRESS, self._clock()
        return job.status

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
                data=attrs.evolve(
                    job.data, continuation_token=success.continuation_token
                ),
                client_id=job.client_id,
                since=self._clock(),
                previous_job_id=job.id,
            )
            job.next_job_id = following.id
            self._jobs[following.id] = following
        self._ended(job)
        if job.next_job_id is not None:
            self._queued(self._jobs[job.next_job_id])
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
        request = _request(params, CreateCustomActionTypeInput)
        try:
            action_type = custom_action_type(request)
            _checked_action_type_id(action_type.id, "actionTypeId")
            created = self._action_types.create(action_type)
        except ActionTypeRuleError as error:
            raise _validation(str(error)) from None
        output = CreateCustomActionTypeOutput(action_type=created, tags=request.tags)
        return _wire(output)

    def _delete_custom_action_type(self, params: Params) -> Response:
        request = _request(params, DeleteCustomActionTypeInput)
        action_type_id = ActionTypeId(
            category=request.category,
            owner=ActionOwner.CUSTOM,
            provider=request.provider,
            version=request.version,
        )
        self._action_types.delete(_checked_action_type_id(action_type_id, "id"))
        return {}

    def _list_action_types(self, params: Params) -> Response:
        wire_owner = params.get("actionOwnerFilter")
        owner = None
        if wire_owner is not None:
            if not isinstance(wire_owner, str):
                raise _constraint("actionOwnerFilter", "Member must be a string")
            owner = ActionOwner(wire_owner)
            _known(owner, "actionOwnerFilter", ActionOwner)
        output = ListActionTypesOutput(action_types=self._action_types.listed(owner))
        return _wire(output)

    def _poll_for_jobs(self, params: Params) -> Response:
        request = _request(params, PollForJobsInput)
        action_type_id = _checked_action_type_id(request.action_type_id, "actionTypeId")
        if action_type_id.owner is not ActionOwner.CUSTOM:
            raise _validation("PollForJobs is only valid for actions owned by Custom")
        query = self._query(self._action_type(action_type_id), request.query_param)
        jobs = tuple(
            Job(id=job.id, data=self._data(job), nonce=job.nonce, account_id=ACCOUNT_ID)
            for job in self._dispatch(
                action_type_id, request.max_batch_size or 1, query
            )
        )
        return _wire(PollForJobsOutput(jobs=jobs))

    def _poll_for_third_party_jobs(self, params: Params) -> Response:
        request = _request(params, PollForThirdPartyJobsInput)
        action_type_id = _checked_action_type_id(request.action_type_id, "actionTypeId")
        if action_type_id.owner is not ActionOwner.THIRD_PARTY:
            raise _validation(
                "PollForThirdPartyJobs is only valid for actions owned by ThirdParty"
            )
        self._action_type(action_type_id)
        jobs = tuple(
            ThirdPartyJob(client_id=job.client_id, job_id=job.id)
            for job in self._dispatch(action_type_id, request.max_batch_size or 1, {})
        )
        output = PollForThirdPartyJobsOutput(jobs=jobs)
        return _wire(output)

    def _acknowledge_job(self, params: Params) -> Response:
        request = _request(params, AcknowledgeJobInput)
        job = self._job(_custom_job_id(request.job_id), third_party=False)
        output = AcknowledgeJobOutput(status=self._acknowledge(job, request.nonce))
        return _wire(output)

    def _acknowledge_third_party_job(self, params: Params) -> Response:
        request = _request(params, AcknowledgeThirdPartyJobInput)
        job = self._third_party_job(request.job_id, request.client_token)
        status = self._acknowledge(job, request.nonce)
        output = AcknowledgeThirdPartyJobOutput(status=status)
        return _wire(output)

    def _get_job_details(self, params: Params) -> Response:
        request = _request(params, GetJobDetailsInput)
        job = self._job(_custom_job_id(request.job_id), third_party=False)
        details = JobDetails(id=job.id, data=self._data(job), account_id=ACCOUNT_ID)
        output = GetJobDetailsOutput(job_details=details)
        return _wire(output)

    def _get_third_party_job_details(self, params: Params) -> Response:
        request = _request(params, GetThirdPartyJobDetailsInput)
        job = self._third_party_job(request.job_id, request.client_token)
        if job.nonce is None:
            raise ServiceFault(
                "InvalidJobException", f"Job {job.id} has not been dispatched"
            )
        data = ThirdPartyJobData(**attrs.asdict(self._data(job), recurse=False))
        details = ThirdPartyJobDetails(id=job.id, data=data, nonce=job.nonce)
        output = GetThirdPartyJobDetailsOutput(job_details=details)
        return _wire(output)

    def _put_job_success_result(self, params: Params) -> Response:
        request = _request(params, PutJobSuccessResultInput)
        job = self._job(_custom_job_id(request.job_id), third_party=False)
        return self._succeed(job, _success(request))

    def _put_job_failure_result(self, params: Params) -> Response:
        request = _request(params, PutJobFailureResultInput)
        failure_details = _failure(request.failure_details)
        job = self._job(_custom_job_id(request.job_id), third_party=False)
        return self._fail(job, failure_details)

    def _put_third_party_job_success_result(self, params: Params) -> Response:
        request = _request(params, PutThirdPartyJobSuccessResultInput)
        job = self._third_party_job(request.job_id, request.client_token)
        return self._succeed(job, _success(request))

    def _put_third_party_job_failure_result(self, params: Params) -> Response:
        request = _request(params, PutThirdPartyJobFailureResultInput)
        failure_details = _failure(request.failure_details)
        job = self._third_party_job(request.job_id, request.client_token)
        return self._fail(job, failure_details)
