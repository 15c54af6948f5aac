"""`CodePipelineEmulator`: CodePipeline's job-worker API on a local moto server.

The emulator is the public face of `cpjobs.testing`: it starts the server
(`cpjobs.testing._server`: moto's own app on werkzeug, with the job
operations answered by `cpjobs.testing._http` and `cpjobs.testing._service`
in front of it), queues jobs as a pipeline would, and lets a test inspect
them, move the clock and inject faults. If moto ever implements the job
operations itself nothing breaks: the middleware answers them first.

Artifacts go through moto's S3 and KMS over HTTP with boto3, like any
client. In front of moto's S3 sits `cpjobs.testing._artifacts.ArtifactGuard`:
requests to the artifact bucket must carry a job's artifact credentials,
within their scope and lifetime, as CodePipeline's would; the emulator
itself uses a key of its own. moto attributes every key to its default
account 123456789012, where the artifact bucket lives. Running with
``MOTO_ACCOUNT_ID`` or moto's IAM auth enabled would break that assumption.

Requests pass through these layers, outermost first:

1. `cpjobs.testing._http.JobsMiddleware` answers the job-worker operations
   (``X-Amz-Target: CodePipeline_20150709.<job operation>``) and applies the
   injected faults and latencies to every CodePipeline operation.
2. `cpjobs.testing._control.ControlApp` answers the control API under
   ``/_cpjobs/``; it sits before the guard, so it needs no S3 credentials.
3. `cpjobs.testing._pipelines_http.PipelinesApp` answers
   ``StartPipelineExecution`` and the reads of executions, which the
   emulator runs (`cpjobs.testing._pipelines`); it reads a pipeline's
   definition from moto's ``GetPipeline`` answer, called in process.
4. `cpjobs.testing._artifacts.ArtifactGuard` checks requests to the artifact
   bucket, right in front of moto, so nothing else can reach the bucket
   around it.
5. moto's own app gets everything else (S3, STS, KMS, moto's pipelines).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib
import re
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from typing import Any, Final, Self

import attrs

from .._converter import converter
from .._errors import InvalidField
from .._models import (
    ActionConfiguration,
    ActionContext,
    ActionOwner,
    ActionTypeId,
    Artifact,
    ArtifactLocation,
    ArtifactLocationType,
    EncryptionKey,
    EncryptionKeyType,
    JobData,
    JobStatus,
    PipelineContext,
    S3ArtifactLocation,
    StageContext,
)
from ._artifacts import ArtifactAccess, ArtifactGuard
from ._control import ControlApp
from ._eventbus import EventBus
from ._http import TARGET_PREFIX, Faults, JobsMiddleware
from ._job_requests import JobRequest, checked, checked_registration
from ._pipelines import PipelineRunner
from ._pipelines_http import PipelinesApp
from ._records import JobRecord
from ._server import HOST, Server, moto_app
from ._service import ACCOUNT_ID, JobService, ServiceFault
from ._sessions import isolated_session_vars, prepare_moto_session

__all__ = ["CodePipelineEmulator", "check_region"]

#: AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ...
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
#: How long `reset` waits for the calls being answered to end.
_RESET_WAIT: Final = 10.0
_FINAL: Final = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.TIMED_OUT})


class CodePipelineEmulator:
    """CodePipeline's job-worker API, with moto's S3, STS and KMS, on loopback.

    Start it with `serve` or `aserve`. Workers talk to `endpoint_url` with any
    credentials (the artifact bucket takes only the jobs' artifact
    credentials); tests drive it through the methods here.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        clock: Callable[[], float] | None = None,
        strict_artifact_bucket: bool = True,
        succeed_aws_actions: bool = False,
    ) -> None:
        self._region = check_region(region)
        self._base_clock = clock or time.monotonic
        self._offset = 0.0
        self._clock_lock = threading.Lock()
        self._access = ArtifactAccess(
            self.artifact_bucket, self.clock, strict=strict_artifact_bucket
        )
        self._service = JobService(self.clock, self._access)
        self._events = EventBus(self._region, self._put_events)
        self._service.add_queue_listener(self._events.queued)
        self._service.add_end_listener(self._events.ended)
        self._faults = Faults()
        self._server: Server | None = None
        self._app: JobsMiddleware | None = None
        self._aws_lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._bucket_ready = False
        self._kms_key_arn: str | None = None
        self._pipelines = PipelineRunner(
            self, self._service, succeed_aws_actions=succeed_aws_actions
        )

    # --- lifecycle ---------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def serve(
        cls,
        *,
        port: int = 0,
        region: str = "us-east-1",
        clock: Callable[[], float] | None = None,
        strict_artifact_bucket: bool = True,
        succeed_aws_actions: bool = False,
    ) -> Generator[Self, None, None]:
        """Run an emulator for the ``with`` block.

        Args:
            port: The port on 127.0.0.1; 0 picks a free one.
            region: The region clients should use.
            clock: Seconds for the timeouts; `time.monotonic` by default.
            strict_artifact_bucket: Refuse credentials other than a job's
                artifact credentials on the artifact bucket (see
                `strict_artifact_bucket`).
            succeed_aws_actions: In the pipelines it runs, let AWS-owned
                actions (other than S3 sources) succeed at once, instead of
                failing them.
        """
        emulator = cls(
            region=region,
            clock=clock,
            strict_artifact_bucket=strict_artifact_bucket,
            succeed_aws_actions=succeed_aws_actions,
        )
        emulator._start(port)
        try:
            yield emulator
        finally:
            emulator._stop()

    @classmethod
    @contextlib.asynccontextmanager
    async def aserve(
        cls,
        *,
        port: int = 0,
        region: str = "us-east-1",
        clock: Callable[[], float] | None = None,
        strict_artifact_bucket: bool = True,
        succeed_aws_actions: bool = False,
    ) -> AsyncGenerator[Self, None]:
        """Run an emulator for the ``async with`` block; see `serve`."""
        emulator = cls(
            region=region,
            clock=clock,
            strict_artifact_bucket=strict_artifact_bucket,
            succeed_aws_actions=succeed_aws_actions,
        )
        await asyncio.to_thread(emulator._start, port)
        try:
            yield emulator
        finally:
            await asyncio.to_thread(emulator._stop)

    def _start(self, port: int) -> None:
        prepare_moto_session()
        guarded = ArtifactGuard(self._access, moto_app())
        around_moto = ControlApp(self, PipelinesApp(self._pipelines, guarded))
        app = self._app = JobsMiddleware(self._service, self._faults, around_moto)
        self._server = Server(app, port)
        self._server.start()
        self._pipelines.start()
        self._events.start()

    def _stop(self) -> None:
        self._faults.clear()  # ends the delays under way
        self._pipelines.stop()  # first: moving an execution on may use S3
        self._events.stop()
        with self._aws_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        if self._server is not None:
            self._server.stop()
            self._server = None

    # --- where it is -------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """Where every client connects (CodePipeline, S3, STS and KMS)."""
        if self._server is None:
            raise RuntimeError("The emulator is not running: use serve() or aserve()")
        return f"http://{HOST}:{self._server.port}"

    @property
    def region(self) -> str:
        """The region clients should use."""
        return self._region

    @property
    def account_id(self) -> str:
        """The account every job belongs to (moto's default)."""
        return ACCOUNT_ID

    @property
    def artifact_bucket(self) -> str:
        """The S3 bucket holding the jobs' artifacts."""
        return f"codepipeline-{self._region}-{ACCOUNT_ID}"

    # --- time ----------------------------------------------------------------------

    def clock(self) -> float:
        """Return the emulator's time in seconds: the clock plus `advance_clock` steps."""
        with self._clock_lock:
            return self._base_clock() + self._offset

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's time forward; timeouts apply at the next call."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._clock_lock:
            self._offset += seconds

    def set_timeouts(
        self,
        *,
        dispatch: float | None = None,
        job: float | None = None,
        credentials: float | None = None,
    ) -> None:
        """Change the timeouts, in seconds.

        Args:
            dispatch: How long a polled job waits for ``AcknowledgeJob`` before it
                is handed out again with a new nonce (default 60).
            job: How long an acknowledged job has to report before it ends
                as TimedOut (default 3600, CodePipeline's action timeout).
            credentials: How long artifact credentials handed out from now on
                stay valid (default 900, CodePipeline's 15 minutes).
        """
        for name, value in (
            ("dispatch", dispatch),
            ("job", job),
            ("credentials", credentials),
        ):
            if value is not None and not value > 0:
                raise ValueError(f"set_timeouts: {name} must be more than 0 seconds")
        if dispatch is not None:
            self._service.dispatch_timeout = dispatch
        if job is not None:
            self._service.job_timeout = job
        if credentials is not None:
            self._access.lifetime = credentials

    @property
    def strict_artifact_bucket(self) -> bool:
        """Whether the artifact bucket refuses credentials other than a job's.

        True by default: only a job's artifact credentials (within their
        scope and lifetime) reach the artifact bucket, as in CodePipeline.
        Set it to False to let any other credentials read and write it too;
        `reset` restores the value the emulator was created with.
        """
        return self._access.strict

    @strict_artifact_bucket.setter
    def strict_artifact_bucket(self, strict: bool) -> None:
        self._access.strict = strict

    def reset(self) -> None:
        """Forget jobs, action types, clients, faults, call counts; restore timeouts and clock.

        Objects already in S3 stay (their keys are unique per job).
        """
        self._faults.clear()  # ends the delays under way
        self._events.flush()
        # A call still being answered (a poll its worker gave up on, say)
        # would otherwise land in the state of whatever comes next.
        if self._app is not None and not self._app.wait_idle(_RESET_WAIT):
            raise RuntimeError(f"calls still being answered after {_RESET_WAIT} s")
        self._pipelines.reset()
        self._service.reset()
        self._access.reset()
        with self._clock_lock:
            self._offset = 0.0

    # --- action types and jobs ---------------------------------------------------

    def register_action_type(
        self, action_type_id: ActionTypeId, *, queryable_property: str | None = None
    ) -> None:
        """Register an action type of any owner, so polls for it find it.

        Args:
            queryable_property: The name of a configuration property polls
                must filter on with ``queryParam`` (required, not secret),
                as CreateCustomActionType would declare it. Without one, a
                poll with a ``queryParam`` is ValidationException.

        Raises:
            ValueError: If the type is registered with another definition.
        """
        checked_registration(action_type_id, queryable_property)
        self._service.register(action_type_id, queryable_property=queryable_property)

    def enqueue_job(
        self,
        action_type_id: ActionTypeId,
        *,
        configuration: Mapping[str, str] | None = None,
        input_artifacts: Mapping[str, bytes | S3ArtifactLocation] | None = None,
        output_artifacts: Sequence[str] = (),
        continuation_token: str | None = None,
        encryption_key: bool = False,
        pipeline_name: str = "my-pipeline",
        stage_name: str | None = None,
        action_name: str | None = None,
        pipeline_execution_id: str | None = None,
    ) -> str:
        """Queue a job for a custom action; return its id.

        The action type is registered if it is not yet.

        Args:
            configuration: The action's configuration (what ``queryParam`` filters on).
            input_artifacts: Artifact name to content, each put in S3; or to
                the location of an object already there.
            output_artifacts: Names of the artifacts the worker writes to S3.
            continuation_token: ``data.continuationToken``, as if a previous job
                had asked to continue.
            encryption_key: Encrypt the artifacts with a moto KMS key and put it
                in the job.
            pipeline_name: The pipeline in the job's context.
            stage_name: The stage; the action's category by default.
            action_name: The action; the provider by default.
            pipeline_execution_id: The execution; a new UUID by default.

        Raises:
            cpjobs.InvalidField: If an argument is not what a pipeline could
                hold; the field names the argument. Nothing is queued.
        """
        request = checked(
            "enqueue_job",
            action_type_id=action_type_id,
            configuration=configuration,
            input_artifacts=input_artifacts,
            output_artifacts=output_artifacts,
            continuation_token=continuation_token,
            encryption_key=encryption_key,
            pipeline_name=pipeline_name,
            stage_name=stage_name,
            action_name=action_name,
            pipeline_execution_id=pipeline_execution_id,
        )
        if action_type_id.owner is not ActionOwner.CUSTOM:
            raise ValueError(
                "enqueue_job is for Custom actions: use enqueue_third_party_job"
            )
        return self._service.enqueue(self._job_data("enqueue_job", request))

    def enqueue_third_party_job(
        self,
        action_type_id: ActionTypeId,
        *,
        client_id: str | None = None,
        configuration: Mapping[str, str] | None = None,
        input_artifacts: Mapping[str, bytes | S3ArtifactLocation] | None = None,
        output_artifacts: Sequence[str] = (),
        continuation_token: str | None = None,
        encryption_key: bool = False,
        pipeline_name: str = "my-pipeline",
        stage_name: str | None = None,
        action_name: str | None = None,
        pipeline_execution_id: str | None = None,
    ) -> tuple[str, str, str]:
        """Queue a job for a third-party action; return job id, client id, client token.

        Jobs for the same ``client_id`` (a UUID) share its client token; a
        new client (the default) gets a new id and token. Other arguments as
        for `enqueue_job`.
        """
        request = checked(
            "enqueue_third_party_job",
            action_type_id=action_type_id,
            client_id=client_id,
            configuration=configuration,
            input_artifacts=input_artifacts,
            output_artifacts=output_artifacts,
            continuation_token=continuation_token,
            encryption_key=encryption_key,
            pipeline_name=pipeline_name,
            stage_name=stage_name,
            action_name=action_name,
            pipeline_execution_id=pipeline_execution_id,
        )
        if action_type_id.owner is not ActionOwner.THIRD_PARTY:
            raise ValueError("enqueue_third_party_job is for ThirdParty actions")
        data = self._job_data("enqueue_third_party_job", request)
        client_id = client_id or str(uuid.uuid4())
        client_token = self._service.client_token(client_id)
        job_id = self._service.enqueue(data, client_id=client_id)
        return job_id, client_id, client_token

    def client_token(self, client_id: str) -> str | None:
        """The client token of a third-party client; ``None`` if there is none.

        Fits `cpjobs.ThirdPartyJobWorker`'s ``client_tokens``.
        """
        return self._service.existing_client_token(client_id)

    def lambda_event(self, job_id: str) -> dict[str, Any]:
        """Invoke a queued custom job as CodePipeline invokes a Lambda function.

        The job goes InProgress (the function reports without acknowledging)
        and the event the function would receive is returned:
        ``{"CodePipeline.job": {"id", "accountId", "data"}}``, ``data`` as in
        real events: no action type or pipeline context, ``revision: null``
        on artifacts without one, and ``artifactCredentials.expirationTime``
        in epoch milliseconds.

        Raises:
            KeyError: There is no such custom job.
            ValueError: The job is not Queued (already handed out, or ended).
        """
        data = self._service.invoke(job_id)
        wire: dict[str, Any] = converter.unstructure(
            attrs.evolve(data, action_type_id=None, pipeline_context=None)
        )
        for artifacts in ("inputArtifacts", "outputArtifacts"):
            for artifact in wire.setdefault(artifacts, []):
                artifact.setdefault("revision", None)
        expires = time.time() + self._access.lifetime
        wire["artifactCredentials"]["expirationTime"] = int(expires * 1000)
        return {
            "CodePipeline.job": {"id": job_id, "accountId": ACCOUNT_ID, "data": wire}
        }

    def job(self, job_id: str) -> JobRecord:
        """Return a snapshot of one job; `KeyError` if there is none."""
        return self._service.record(job_id)

    def jobs(self) -> tuple[JobRecord, ...]:
        """Snapshots of all jobs, oldest first (continuations after their job)."""
        return self._service.records()

    async def wait_for_job(self, job_id: str, *, timeout: float = 10.0) -> JobRecord:
        """Wait until a job is Succeeded, Failed or TimedOut; return its snapshot.

        Raises:
            TimeoutError: If it is not done after ``timeout`` seconds (real time).
        """
        deadline = time.monotonic() + timeout
        while True:
            record = self.job(job_id)
            if record.status in _FINAL:
                return record
            if time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still {record.status.value}")
            await asyncio.sleep(0.01)

    # --- faults ----------------------------------------------------------------------

    def inject_fault(
        self,
        operation: str,
        *,
        code: str = "ThrottlingException",
        status: int = 400,
        count: int = 1,
        message: str | None = None,
    ) -> None:
        """Fail the next ``count`` calls of a CodePipeline operation.

        A failed call changes nothing. botocore retries throttling and 5xx
        answers itself unless its client is configured not to.

        Args:
            operation: E.g. ``"PollForJobs"``.
            code: The error code, e.g. ``"InternalFailure"`` with ``status=500``.
        """
        self._faults.add_fault(
            _operation(operation),
            ServiceFault(code, message or f"Injected {code}", status),
            _count(count),
        )

    def calls(self, operation: str) -> int:
        """How many calls of a CodePipeline operation arrived since the last reset."""
        return self._faults.calls(_operation(operation))

    def inject_latency(self, operation: str, *, seconds: float, count: int = 1) -> None:
        """Delay the answers to the next ``count`` calls of a CodePipeline operation."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._faults.add_latency(_operation(operation), seconds, _count(count))

    # --- S3 ----------------------------------------------------------------------

    def read_object(self, bucket: str, key: str) -> bytes:
        """The content of an S3 object on the emulator."""
        body: bytes = (
            self._client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        )
        return body

    def read_artifact(self, job_id: str, name: str) -> bytes:
        """The content of a job's input or output artifact, by artifact name."""
        record = self.job(job_id)
        for artifact in (*record.output_artifacts, *record.input_artifacts):
            if (
                artifact.name == name
                and artifact.location
                and artifact.location.s3_location
            ):
                s3 = artifact.location.s3_location
                return self.read_object(s3.bucket_name, s3.object_key)
        raise KeyError(f"job {job_id} has no artifact {name!r}")

    def flush_events(self) -> None:
        """Wait until the action events of the jobs so far are put to EventBridge.

        The emulator sends "CodePipeline Action Execution State Change"
        events to moto's default event bus (on this endpoint) as CodePipeline
        does: ``STARTED`` when a job is queued (not a continuation),
        ``SUCCEEDED`` or ``FAILED`` when its result ends the action. A rule
        with an SQS target delivers them; they are sent from a thread, so
        they may arrive a moment after the call that caused them.
        """
        self._events.flush()

    # --- internals ----------------------------------------------------------------

    def _put_events(self, entries: Sequence[Mapping[str, Any]]) -> None:
        response = self._client("events").put_events(Entries=list(entries))
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"{response['FailedEntryCount']} entries refused")

    def _client(self, service: str) -> Any:
        with self._aws_lock:
            if service not in self._clients:
                boto3 = importlib.import_module("boto3")
                botocore_session = importlib.import_module("botocore.session")
                # The owner's key passes the artifact bucket's rules.
                session = boto3.session.Session(
                    botocore_session=botocore_session.Session(
                        session_vars=isolated_session_vars()
                    ),
                    aws_access_key_id=self._access.owner_key_id,
                    aws_secret_access_key="testing",
                    region_name=self._region,
                )
                self._clients[service] = session.client(
                    service, endpoint_url=self.endpoint_url
                )
            return self._clients[service]

    def _artifact_store(self, encryption_key: bool) -> str | None:
        """Create the bucket (and KMS key) once; return the key's ARN if asked for."""
        s3 = self._client("s3")
        with self._aws_lock:
            if not self._bucket_ready:
                if self._region == "us-east-1":
                    s3.create_bucket(Bucket=self.artifact_bucket)
                else:
                    s3.create_bucket(
                        Bucket=self.artifact_bucket,
                        CreateBucketConfiguration={"LocationConstraint": self._region},
                    )
                self._bucket_ready = True
        if not encryption_key:
            return None
        kms = self._client("kms")
        with self._aws_lock:
            if self._kms_key_arn is None:
                key = kms.create_key(Description="cpjobs emulator artifact key")
                self._kms_key_arn = str(key["KeyMetadata"]["Arn"])
            return self._kms_key_arn

    def _job_data(self, method: str, request: JobRequest) -> JobData:
        """Check the configuration, put the inputs in S3; return the job's data."""
        configuration = request.configuration or {}
        problem = self._service.configuration_problem(
            request.action_type_id, configuration
        )
        if problem is not None:
            raise InvalidField(
                f"{method}.configuration", problem, "what the action type declares"
            )
        key_arn = None
        if (
            request.input_artifacts
            or request.output_artifacts
            or request.encryption_key
        ):
            key_arn = self._artifact_store(request.encryption_key)
        pipeline = request.pipeline_name
        action_type_id = request.action_type_id
        return JobData(
            action_type_id=action_type_id,
            action_configuration=ActionConfiguration(configuration=configuration),
            pipeline_context=PipelineContext(
                pipeline_name=pipeline,
                stage=StageContext(
                    name=request.stage_name or action_type_id.category.value
                ),
                action=ActionContext(
                    name=request.action_name or action_type_id.provider,
                    action_execution_id=str(uuid.uuid4()),
                ),
                pipeline_arn=(
                    f"arn:aws:codepipeline:{self._region}:{ACCOUNT_ID}:{pipeline}"
                ),
                pipeline_execution_id=(
                    request.pipeline_execution_id or str(uuid.uuid4())
                ),
            ),
            input_artifacts=tuple(
                self._input(pipeline, name, content, key_arn)
                for name, content in (request.input_artifacts or {}).items()
            ),
            output_artifacts=tuple(
                Artifact(name=name, location=self._location(pipeline, name))
                for name in request.output_artifacts
            ),
            continuation_token=request.continuation_token,
            encryption_key=(
                None
                if key_arn is None
                else EncryptionKey(id=key_arn, type=EncryptionKeyType.KMS)
            ),
        )

    def _location(self, pipeline: str, name: str) -> ArtifactLocation:
        """A new key in the artifact bucket, without an extension, as CodePipeline's."""
        return ArtifactLocation(
            type=ArtifactLocationType.S3,
            s3_location=S3ArtifactLocation(
                bucket_name=self.artifact_bucket,
                object_key=f"{pipeline}/{name}/{uuid.uuid4().hex[:12]}",
            ),
        )

    def _input(
        self,
        pipeline: str,
        name: str,
        content: bytes | S3ArtifactLocation,
        key_arn: str | None,
    ) -> Artifact:
        """An input artifact: ``content`` put in S3, or the object it points at."""
        if isinstance(content, S3ArtifactLocation):
            return Artifact(
                name=name,
                location=ArtifactLocation(
                    type=ArtifactLocationType.S3, s3_location=content
                ),
            )
        return self._put_input(pipeline, name, bytes(content), key_arn)

    def _put_input(
        self, pipeline: str, name: str, content: bytes, key_arn: str | None
    ) -> Artifact:
        location = self._location(pipeline, name)
        assert location.s3_location is not None
        encryption: dict[str, str] = (
            {}
            if key_arn is None
            else {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn}
        )
        self._client("s3").put_object(
            Bucket=self.artifact_bucket,
            Key=location.s3_location.object_key,
            Body=content,
            **encryption,
        )
        revision = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        return Artifact(name=name, revision=revision, location=location)


def check_region(region: str) -> str:
    """Return ``region`` if it is shaped like an AWS region name; else ValueError."""
    given: object = region  # untyped callers may pass anything
    if not isinstance(given, str) or _REGION.fullmatch(given) is None:
        raise ValueError(
            f"{region!r} is not a region name such as us-east-1 or eu-central-2"
        )
    return region


def _operation(operation: str) -> str:
    """Check an operation name against CodePipeline's, to catch typos."""
    if operation.startswith(TARGET_PREFIX):
        operation = operation[len(TARGET_PREFIX) :]
    if operation not in _operation_names():
        raise ValueError(f"CodePipeline has no operation {operation!r}")
    return operation


@functools.cache
def _operation_names() -> frozenset[str]:
    botocore_session = importlib.import_module("botocore.session")
    model = botocore_session.get_session().get_service_model("codepipeline")
    return frozenset(model.operation_names)


def _count(count: int) -> int:
    if count < 1:
        raise ValueError("count must be at least 1")
    return count
