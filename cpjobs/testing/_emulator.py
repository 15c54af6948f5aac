"""`CodePipelineEmulator`: CodePipeline's job-worker API on a local moto server.

How it hooks into moto
----------------------
moto (5.x) implements CodePipeline pipelines but none of the job operations.
The emulator does not patch moto. It runs moto's own WSGI application
(``DomainDispatcherApplication(create_backend_app)``, exactly what
``moto_server`` and ``ThreadedMotoServer`` serve) behind a small WSGI
middleware (`cpjobs.testing._http.JobsMiddleware`) on werkzeug's threaded
server, bound to 127.0.0.1. The middleware answers requests whose
``X-Amz-Target`` is ``CodePipeline_20150709.<job operation>`` from the
emulator's own thread-safe store and passes everything else (S3, STS, KMS,
moto's pipelines) on. Two more layers sit in front of moto: the control API
under ``/_cpjobs/`` (`cpjobs.testing._control`), and the executions of
pipelines, which the emulator runs (`cpjobs.testing._pipelines_http`). The server is run here rather than
through ``ThreadedMotoServer`` because that class takes no middleware and
leaves the threads of kept-alive connections running after ``stop()``; this
one ends them.

What would break if moto changed
--------------------------------
Only the three names taken from ``moto.moto_server.werkzeug_app``:
``DomainDispatcherApplication`` and ``create_backend_app`` (there throughout
moto 5; tested with 5.0.20 and 5.2.5) and ``MotoRequestHandler`` (moto 5.2;
werkzeug's own handler is used without it). Moving or renaming them breaks
``serve()``. Pipeline executions read a pipeline's definition from moto's
``GetPipeline`` answer, called in process. Nothing else in moto is touched. If moto ever implements the job operations itself nothing breaks: the
middleware answers them first. Artifacts go through moto's S3 and KMS over
HTTP with boto3, like any client. The artifact credentials are generated
locally (``ASIA...`` keys); moto accepts any credentials and attributes
unknown keys to its default account 123456789012, where the artifact bucket
lives. Running with ``MOTO_ACCOUNT_ID`` or moto's IAM auth enabled would break
that assumption.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib
import socket
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from typing_extensions import Self

from .._converter import converter
from .._models import ActionOwner, ActionTypeId, JobStatus, S3ArtifactLocation
from ._control import ControlApp
from ._http import TARGET_PREFIX, Faults, JobsMiddleware
from ._pipelines import PipelineRunner
from ._pipelines_http import PipelinesApp
from ._records import JobRecord
from ._service import ACCOUNT_ID, JobService, ServiceFault

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.serving import WSGIRequestHandler

__all__ = ["CodePipelineEmulator"]

_HOST: Final = "127.0.0.1"
#: How long `reset` waits for the calls being answered to end.
_RESET_WAIT: Final = 10.0
_FINAL: Final = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.TIMED_OUT})


class _Server:
    """werkzeug's threaded WSGI server that can close its open connections."""

    def __init__(self, app: WSGIApplication, port: int) -> None:
        from werkzeug.serving import ThreadedWSGIServer

        lock = threading.Lock()
        sockets: set[socket.socket] = set()
        threads: set[threading.Thread] = set()

        class Server(ThreadedWSGIServer):
            # Track each connection and its thread so stop() can end
            # kept-alive connections instead of leaking their threads.
            def process_request(self, request: Any, client_address: Any) -> None:
                thread = threading.Thread(
                    target=self._serve_connection,
                    args=(request, client_address),
                    name="cpjobs-emulator-connection",
                    daemon=True,
                )
                with lock:
                    sockets.add(request)
                    threads.add(thread)
                thread.start()

            def _serve_connection(self, request: Any, client_address: Any) -> None:
                try:
                    self.process_request_thread(request, client_address)
                finally:
                    with lock:
                        sockets.discard(request)
                        threads.discard(threading.current_thread())

        self._lock = lock
        self._sockets = sockets
        self._threads = threads
        # werkzeug prints and exits when it cannot bind: bind here instead, so
        # a port in use is an OSError for the caller. werkzeug dups the socket.
        with socket.create_server((_HOST, port)) as listener:
            self._server = Server(
                _HOST, port, app, handler=_request_handler(), fd=listener.fileno()
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cpjobs-emulator",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()  # serve_forever closes the listening socket
        self._thread.join()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=5)


def _request_handler() -> type[WSGIRequestHandler]:
    """Moto's request handler (or werkzeug's), without a log line per request."""
    from werkzeug.serving import WSGIRequestHandler

    werkzeug_app = importlib.import_module("moto.moto_server.werkzeug_app")
    # MotoRequestHandler keeps S3 metadata headers with underscores (newer moto).
    base = getattr(werkzeug_app, "MotoRequestHandler", WSGIRequestHandler)

    def log_request(self: object, code: int | str = "-", size: int | str = "-") -> None:
        """Stay quiet."""

    return cast(
        "type[WSGIRequestHandler]",
        type("Handler", (base,), {"log_request": log_request}),
    )


def _moto_app() -> WSGIApplication:
    """Return moto's own server application, as ``moto_server`` runs it."""
    app = importlib.import_module("moto.moto_server.werkzeug_app")
    return cast(
        "WSGIApplication", app.DomainDispatcherApplication(app.create_backend_app)
    )


class CodePipelineEmulator:
    """CodePipeline's job-worker API, with moto's S3, STS and KMS, on loopback.

    Start it with `serve` or `aserve`. Workers talk to `endpoint_url` with any
    credentials; tests drive it through the methods here.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        clock: Callable[[], float] | None = None,
        succeed_aws_actions: bool = False,
    ) -> None:
        self._region = region
        self._base_clock = clock or time.monotonic
        self._offset = 0.0
        self._clock_lock = threading.Lock()
        self._service = JobService(self.clock)
        self._faults = Faults()
        self._server: _Server | None = None
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
        succeed_aws_actions: bool = False,
    ) -> Generator[Self, None, None]:
        """Run an emulator for the ``with`` block.

        Args:
            port: The port on 127.0.0.1; 0 picks a free one.
            region: The region clients should use.
            clock: Seconds for the timeouts; `time.monotonic` by default.
            succeed_aws_actions: In the pipelines it runs, let AWS-owned
                actions (other than S3 sources) succeed at once, instead of
                failing them.
        """
        emulator = cls(
            region=region, clock=clock, succeed_aws_actions=succeed_aws_actions
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
        succeed_aws_actions: bool = False,
    ) -> AsyncGenerator[Self, None]:
        """Run an emulator for the ``async with`` block; see `serve`."""
        emulator = cls(
            region=region, clock=clock, succeed_aws_actions=succeed_aws_actions
        )
        await asyncio.to_thread(emulator._start, port)
        try:
            yield emulator
        finally:
            await asyncio.to_thread(emulator._stop)

    def _start(self, port: int) -> None:
        around_moto = ControlApp(self, PipelinesApp(self._pipelines, _moto_app()))
        app = self._app = JobsMiddleware(self._service, self._faults, around_moto)
        self._server = _Server(app, port)
        self._server.start()
        self._pipelines.start()

    def _stop(self) -> None:
        self._faults.clear()  # ends the delays under way
        self._pipelines.stop()  # first: moving an execution on may use S3
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
        """The URL for every client: CodePipeline, S3, STS, KMS."""
        if self._server is None:
            raise RuntimeError("The emulator is not running: use serve() or aserve()")
        return f"http://{_HOST}:{self._server.port}"

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
        self, *, dispatch: float | None = None, job: float | None = None
    ) -> None:
        """Change the timeouts, in seconds.

        Args:
            dispatch: How long a polled job waits for `AcknowledgeJob` before it
                is handed out again with a new nonce (default 60).
            job: How long an acknowledged job has to report before it ends
                as TimedOut (default 3600, CodePipeline's action timeout).
        """
        if dispatch is not None:
            self._service.dispatch_timeout = dispatch
        if job is not None:
            self._service.job_timeout = job

    def reset(self) -> None:
        """Forget jobs, action types, clients, faults, call counts; restore timeouts and clock.

        Objects already in S3 stay (their keys are unique per job).
        """
        self._faults.clear()  # ends the delays under way
        # A call still being answered (a poll its worker gave up on, say)
        # would otherwise land in the state of whatever comes next.
        if self._app is not None and not self._app.wait_idle(_RESET_WAIT):
            raise RuntimeError(f"calls still being answered after {_RESET_WAIT} s")
        self._pipelines.reset()
        self._service.reset()
        with self._clock_lock:
            self._offset = 0.0

    # --- action types and jobs ---------------------------------------------------

    def register_action_type(self, action_type_id: ActionTypeId) -> None:
        """Register an action type of any owner, so polls for it find it."""
        self._service.register(action_type_id)

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
        """
        if action_type_id.owner is not ActionOwner.CUSTOM:
            raise ValueError(
                "enqueue_job is for Custom actions: use enqueue_third_party_job"
            )
        data = self._job_data(
            action_type_id,
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
        return self._service.enqueue(action_type_id, data)

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

        Jobs for the same ``client_id`` share its client token; a new client
        (the default) gets a new id and token. Other arguments as for `enqueue_job`.
        """
        if action_type_id.owner is not ActionOwner.THIRD_PARTY:
            raise ValueError("enqueue_third_party_job is for ThirdParty actions")
        client_id = client_id or str(uuid.uuid4())
        client_token = self._service.client_token(client_id) or str(uuid.uuid4())
        data = self._job_data(
            action_type_id,
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
        job_id = self._service.enqueue(
            action_type_id, data, client=(client_id, client_token)
        )
        return job_id, client_id, client_token

    def client_token(self, client_id: str) -> str | None:
        """The client token of a third-party client; ``None`` if there is none.

        Fits `cpjobs.ThirdPartyJobWorker`'s ``client_tokens``.
        """
        return self._service.client_token(client_id)

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

    # --- internals ----------------------------------------------------------------

    def _client(self, service: str) -> Any:
        with self._aws_lock:
            if service not in self._clients:
                boto3 = importlib.import_module("boto3")
                session = boto3.session.Session(
                    aws_access_key_id="testing",
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

    def _job_data(
        self,
        action_type_id: ActionTypeId,
        *,
        configuration: Mapping[str, str] | None,
        input_artifacts: Mapping[str, bytes | S3ArtifactLocation] | None,
        output_artifacts: Sequence[str],
        continuation_token: str | None,
        encryption_key: bool,
        pipeline_name: str,
        stage_name: str | None,
        action_name: str | None,
        pipeline_execution_id: str | None,
    ) -> dict[str, Any]:
        key_arn = None
        if input_artifacts or output_artifacts or encryption_key:
            key_arn = self._artifact_store(encryption_key)
        encryption: dict[str, str] = (
            {}
            if key_arn is None
            else {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn}
        )

        def location(name: str) -> dict[str, Any]:
            key = f"{pipeline_name}/{name}/{uuid.uuid4().hex[:12]}"
            return {
                "type": "S3",
                "s3Location": {"bucketName": self.artifact_bucket, "objectKey": key},
            }

        inputs: list[dict[str, Any]] = []
        for name, content in (input_artifacts or {}).items():
            if isinstance(content, S3ArtifactLocation):
                inputs.append(
                    {
                        "name": name,
                        "location": {
                            "type": "S3",
                            "s3Location": converter.unstructure(content),
                        },
                    }
                )
                continue
            where = location(name)
            self._client("s3").put_object(
                Bucket=self.artifact_bucket,
                Key=where["s3Location"]["objectKey"],
                Body=content,
                **encryption,
            )
            revision = hashlib.sha1(content, usedforsecurity=False).hexdigest()
            inputs.append({"name": name, "revision": revision, "location": where})
        data: dict[str, Any] = {
            "actionTypeId": {
                "category": action_type_id.category.value,
                "owner": action_type_id.owner.value,
                "provider": action_type_id.provider,
                "version": action_type_id.version,
            },
            "actionConfiguration": {"configuration": dict(configuration or {})},
            "pipelineContext": {
                "pipelineName": pipeline_name,
                "stage": {"name": stage_name or action_type_id.category.value},
                "action": {
                    "name": action_name or action_type_id.provider,
                    "actionExecutionId": str(uuid.uuid4()),
                },
                "pipelineArn": (
                    f"arn:aws:codepipeline:{self._region}:{ACCOUNT_ID}:{pipeline_name}"
                ),
                "pipelineExecutionId": pipeline_execution_id or str(uuid.uuid4()),
            },
            "inputArtifacts": inputs,
            "outputArtifacts": [
                {"name": name, "location": location(name)} for name in output_artifacts
            ],
        }
        if continuation_token is not None:
            data["continuationToken"] = continuation_token
        if key_arn is not None:
            data["encryptionKey"] = {"id": key_arn, "type": "KMS"}
        return data


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
