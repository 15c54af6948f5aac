"""Pipelines that drive jobs: moto stores them, the emulator runs them.

moto keeps pipeline definitions (CreatePipeline, GetPipeline, ...) but runs
nothing (newer versions record executions that succeed at once, older ones
none). `PipelineRunner` runs every pipeline started through the emulator
instead (`PipelinesApp` in ``_pipelines_http`` hands it
``StartPipelineExecution`` with the definition moto stores). The stages run in order and, within a stage, the actions in
``runOrder``; actions sharing a runOrder run in parallel. A Custom or
ThirdParty action is a job queued with the emulator's own `enqueue_job` /
`enqueue_third_party_job`; its output artifacts are the input artifacts of
later actions by name, as the very objects its worker wrote. When every
action of a runOrder succeeds the next one starts; when one fails, its stage
and the execution fail once the actions under way have ended. A continuation
(success with a token) is the service's next job for the same action.

AWS-owned actions do not run: an S3 source action hands on the object named by
its ``S3Bucket`` and ``S3ObjectKey`` configuration; any other fails, or
succeeds at once with empty output locations if the emulator was started with
``succeed_aws_actions=True``.

Jobs end under the job service's lock; its listener only queues the record,
and the runner's own thread moves the execution on (so nothing runs under that
lock but a queue put). The runner's lock is taken before the service's, never
the other way round.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from .._converter import converter
from .._models import ActionCategory, ActionOwner, ActionTypeId, JobStatus
from .._models import S3ArtifactLocation as _JobS3Location
from ._pipeline_shapes import (
    STARTED_BY_API,
    ActionExecution,
    ActionExecutionDetail,
    ActionExecutionInput,
    ActionExecutionOutput,
    ActionExecutionResult,
    ActionState,
    ArtifactDetail,
    ErrorDetails,
    PipelineExecution,
    PipelineExecutionSummary,
    ResolvedPipelineVariable,
    S3Location,
    StageExecution,
    StageState,
    TransitionState,
)
from ._records import JobRecord

if TYPE_CHECKING:
    from ._emulator import CodePipelineEmulator
    from ._service import JobService

__all__ = ["PipelineFault", "PipelineRunner"]

_logger = logging.getLogger("cpjobs.testing")
_VARIABLE = re.compile(
    r"#\{(?P<namespace>[A-Za-z0-9@_-]+)\.(?P<name>[A-Za-z0-9@_-]+)\}"
)
_RUNS_JOBS: Final = frozenset({ActionOwner.CUSTOM.value, ActionOwner.THIRD_PARTY.value})

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
#: What the service shows for the value of a secret configuration property.
_MASK: Final = "****"

# Execution, stage and action statuses, as the service spells them.
IN_PROGRESS: Final = "InProgress"
SUCCEEDED: Final = "Succeeded"
FAILED: Final = "Failed"


class PipelineFault(Exception):
    """A request the service refuses: error code and message (HTTP 400)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


# --- what the runner keeps --------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


@attrs.define(kw_only=True, eq=False)
class _Action:
    """One action of one execution, from its start to its end."""

    execution: _Execution
    stage_name: str
    definition: Mapping[str, Any] = attrs.field(repr=False)
    action_execution_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    status: str = IN_PROGRESS
    started: datetime = attrs.field(factory=_now)
    updated: datetime = attrs.field(factory=_now)
    resolved_configuration: dict[str, str] = attrs.field(
        factory=dict[str, str], repr=False
    )
    inputs: tuple[ArtifactDetail, ...] = ()
    outputs: tuple[ArtifactDetail, ...] = ()
    job_id: str | None = None
    summary: str | None = None
    external_execution_id: str | None = None
    #: The action type's settings: its URL templates.
    settings: Mapping[str, str] = attrs.field(factory=dict[str, str])
    percent_complete: int | None = None
    output_variables: Mapping[str, str] | None = None
    error: ErrorDetails | None = None
    #: Configuration keys of the action type's secret properties.
    secret_keys: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return str(self.definition["name"])

    @property
    def type_id(self) -> Mapping[str, str]:
        return cast("Mapping[str, str]", self.definition["actionTypeId"])

    def url(self, template_name: str) -> str | None:
        """A URL from the action type's template, ``{Config:Name}`` filled in.

        Secret properties are never filled in; ``{ExternalExecutionId}`` is
        what the worker last reported.
        """
        template = self.settings.get(template_name)
        if not template:
            return None
        values = {
            f"Config:{key}": value
            for key, value in self.resolved_configuration.items()
            if key not in self.secret_keys
        }
        if self.external_execution_id is not None:
            values["ExternalExecutionId"] = self.external_execution_id
        return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)

    def _masked(self, configuration: Mapping[str, str]) -> dict[str, str]:
        """The configuration with secret properties' values masked, as the service shows it."""
        return {
            key: _MASK if key in self.secret_keys else value
            for key, value in configuration.items()
        }

    def end(self, status: str, *, error: ErrorDetails | None = None) -> None:
        self.status, self.error, self.updated = status, error, _now()

    def detail(self, region: str) -> ActionExecutionDetail:
        execution = self.execution
        return ActionExecutionDetail(
            pipeline_execution_id=execution.id,
            action_execution_id=self.action_execution_id,
            pipeline_version=execution.version,
            stage_name=self.stage_name,
            action_name=self.name,
            start_time=self.started,
            last_update_time=self.updated,
            status=self.status,
            input=ActionExecutionInput(
                action_type_id=converter.structure(self.type_id, ActionTypeId),
                configuration=self._masked(self.definition.get("configuration") or {}),
                resolved_configuration=self._masked(self.resolved_configuration),
                region=region,
                input_artifacts=self.inputs,
                namespace=self.definition.get("namespace"),
            ),
            output=ActionExecutionOutput(
                output_artifacts=self.outputs if self.status == SUCCEEDED else (),
                execution_result=ActionExecutionResult(
                    external_execution_id=self.external_execution_id,
                    external_execution_summary=self.summary,
                    external_execution_url=self.url("executionUrlTemplate"),
                    error_details=self.error,
                ),
                output_variables=self.output_variables,
            ),
        )

    def latest(self) -> ActionExecution:
        return ActionExecution(
            action_execution_id=self.action_execution_id,
            status=self.status,
            last_status_change=self.updated,
            summary=self.summary,
            external_execution_id=self.external_execution_id,
            external_execution_url=self.url("executionUrlTemplate"),
            percent_complete=self.percent_complete,
            error_details=self.error,
        )


@attrs.define(kw_only=True, eq=False)
class _Execution:
    """One run of a pipeline: where it is, what its actions did."""

    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    pipeline: Mapping[str, Any] = attrs.field(repr=False)
    variables: dict[str, str] = attrs.field(factory=dict[str, str], repr=False)
    status: str = IN_PROGRESS
    status_summary: str | None = None
    started: datetime = attrs.field(factory=_now)
    updated: datetime = attrs.field(factory=_now)
    #: Index of the running stage in the definition, and its runOrder.
    stage_index: int = 0
    run_order: int | None = None
    stage_status: dict[str, str] = attrs.field(factory=dict[str, str])
    actions: list[_Action] = attrs.field(factory=list["_Action"])
    #: Artifacts produced so far, by name.
    artifacts: dict[str, _JobS3Location] = attrs.field(
        factory=dict[str, _JobS3Location]
    )
    #: Output variables of the actions with a namespace, by namespace.
    namespaces: dict[str, Mapping[str, str]] = attrs.field(
        factory=dict[str, Mapping[str, str]], repr=False
    )

    @property
    def name(self) -> str:
        return str(self.pipeline["name"])

    @property
    def version(self) -> int:
        return int(self.pipeline.get("version", 1))

    @property
    def stages(self) -> Sequence[Mapping[str, Any]]:
        return cast("Sequence[Mapping[str, Any]]", self.pipeline["stages"])

    @property
    def encrypted(self) -> bool:
        store: Mapping[str, Any] = self.pipeline.get("artifactStore") or {}
        return bool(store.get("encryptionKey"))

    def finish(self, status: str, summary: str | None = None) -> None:
        self.status, self.status_summary, self.updated = status, summary, _now()

    def described(self) -> PipelineExecution:
        return PipelineExecution(
            pipeline_name=self.name,
            pipeline_version=self.version,
            pipeline_execution_id=self.id,
            status=self.status,
            status_summary=self.status_summary,
            variables=tuple(
                ResolvedPipelineVariable(name=name, resolved_value=value)
                for name, value in self.variables.items()
            ),
            trigger=STARTED_BY_API,
            execution_type="STANDARD",
        )

    def summarized(self) -> PipelineExecutionSummary:
        return PipelineExecutionSummary(
            pipeline_execution_id=self.id,
            status=self.status,
            status_summary=self.status_summary,
            start_time=self.started,
            last_update_time=self.updated,
            trigger=STARTED_BY_API,
            execution_type="STANDARD",
        )


def _no_execution(execution_id: object, params: Mapping[str, Any]) -> PipelineFault:
    return PipelineFault(
        "PipelineExecutionNotFoundException",
        f"Pipeline execution {execution_id} does not exist in pipeline "
        f"{params.get('pipelineName')}",
    )


def _run_orders(stage: Mapping[str, Any]) -> list[int]:
    return sorted({int(action.get("runOrder", 1)) for action in stage["actions"]})


# --- the runner ------------------------------------------------------------------


class PipelineRunner:
    """Runs pipeline executions: the jobs of their actions, stage by stage.

    Args:
        emulator: Queues the actions' jobs and reads S3 for source actions.
        service: Tells the runner when a job ends, and which types exist.
        succeed_aws_actions: Let AWS-owned actions other than the S3 source
            succeed at once instead of failing.
    """

    def __init__(
        self,
        emulator: CodePipelineEmulator,
        service: JobService,
        *,
        succeed_aws_actions: bool = False,
    ) -> None:
        self._emulator = emulator
        self._service = service
        self._succeed_aws_actions = succeed_aws_actions
        self._lock = threading.Lock()
        self._ended: queue.SimpleQueue[JobRecord | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._executions: dict[str, _Execution] = {}
        self._by_job: dict[str, _Action] = {}
        self._by_request_token: dict[str, str] = {}
        #: The third-party client of each (pipeline, stage, action).
        self._client_ids: dict[tuple[str, str, str], str] = {}
        service.add_end_listener(self._ended.put)

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        """Start the thread that moves executions on as their jobs end."""
        self._thread = threading.Thread(
            target=self._follow_jobs, name="cpjobs-emulator-pipelines", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop that thread."""
        if self._thread is not None:
            self._ended.put(None)
            self._thread.join()
            self._thread = None

    def reset(self) -> None:
        """Forget every execution."""
        with self._lock:
            self._executions.clear()
            self._by_job.clear()
            self._by_request_token.clear()
            self._client_ids.clear()

    # --- operations (under the lock) --------------------------------------------

    def start_execution(
        self, pipeline: Mapping[str, Any], params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Start an execution of ``pipeline`` (its definition, from GetPipeline)."""
        token = params.get("clientRequestToken")
        with self._lock:
            if token is not None and token in self._by_request_token:
                return {"pipelineExecutionId": self._by_request_token[token]}
            execution = _Execution(
                pipeline=pipeline, variables=_variables(pipeline, params)
            )
            self._executions[execution.id] = execution
            if token is not None:
                self._by_request_token[token] = execution.id
            self._advance(execution)
            return {"pipelineExecutionId": execution.id}

    def get_execution(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetPipelineExecution."""
        with self._lock:
            execution = self._executions.get(str(params.get("pipelineExecutionId")))
            if execution is None or execution.name != params.get("pipelineName"):
                raise _no_execution(params.get("pipelineExecutionId"), params)
            return {"pipelineExecution": _wire(execution.described())}

    def list_executions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """ListPipelineExecutions, newest first."""
        with self._lock:
            executions = self._newest_first(str(params["pipelineName"]))
            limit = params.get("maxResults")
            if isinstance(limit, int):
                executions = executions[:limit]
            return {
                "pipelineExecutionSummaries": [
                    _wire(execution.summarized()) for execution in executions
                ]
            }

    def state(self, pipeline: Mapping[str, Any]) -> dict[str, Any]:
        """GetPipelineState: each stage's latest execution and its actions."""
        with self._lock:
            executions = self._newest_first(str(pipeline["name"]))
            stages = [
                _wire(_stage_state(stage, executions)) for stage in pipeline["stages"]
            ]
        return {
            "pipelineName": pipeline["name"],
            "pipelineVersion": pipeline.get("version", 1),
            "stageStates": stages,
        }

    def list_action_executions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """ListActionExecutions, newest first."""
        filters: Mapping[str, Any] = params.get("filter") or {}
        wanted = filters.get("pipelineExecutionId")
        with self._lock:
            executions = self._newest_first(str(params["pipelineName"]))
            if wanted is not None:
                executions = [e for e in executions if e.id == wanted]
                if not executions:
                    raise _no_execution(wanted, params)
            details = [
                _wire(action.detail(self._emulator.region))
                for execution in executions
                for action in reversed(execution.actions)  # in the order they started
            ]
        limit = params.get("maxResults")
        if isinstance(limit, int):
            details = details[:limit]
        return {"actionExecutionDetails": details}

    def _newest_first(self, pipeline_name: str) -> list[_Execution]:
        return [
            e for e in reversed(self._executions.values()) if e.name == pipeline_name
        ]

    # --- moving executions on --------------------------------------------------

    def _follow_jobs(self) -> None:
        while (record := self._ended.get()) is not None:
            with self._lock:
                action = self._by_job.pop(record.id, None)
                if action is None:
                    continue
                try:
                    self._job_ended(action, record)
                    self._advance(action.execution)
                except Exception:
                    _logger.exception(
                        "pipeline execution %s broke", action.execution.id
                    )
                    action.execution.finish(FAILED, "The emulator failed to go on")

    def _job_ended(self, action: _Action, record: JobRecord) -> None:
        success = record.success
        details = success.execution_details if success else None
        if details is not None:
            action.summary = details.summary
            action.external_execution_id = details.external_execution_id
            action.percent_complete = details.percent_complete
        action.updated = _now()
        if success is not None and record.next_job_id is not None:
            # A continuation: the service queued the next job of this action.
            action.job_id = record.next_job_id
            self._by_job[record.next_job_id] = action
            return
        if record.status is JobStatus.SUCCEEDED:
            action.output_variables = success.output_variables if success else None
            self._succeeded(action)
        elif record.status is JobStatus.FAILED and record.failure_details is not None:
            failure = record.failure_details
            action.end(
                FAILED,
                error=ErrorDetails(code=failure.type.value, message=failure.message),
            )
        else:
            action.end(
                FAILED,
                error=ErrorDetails(
                    code="JobTimedOut",
                    message="The job worker did not report a result in time",
                ),
            )

    def _succeeded(self, action: _Action) -> None:
        action.end(SUCCEEDED)
        execution = action.execution
        for artifact in action.outputs:
            execution.artifacts[artifact.name] = _JobS3Location(
                bucket_name=artifact.s3location.bucket,
                object_key=artifact.s3location.key,
            )
        namespace = action.definition.get("namespace")
        if namespace:
            execution.namespaces[namespace] = action.output_variables or {}

    def _advance(self, execution: _Execution) -> None:
        """Start what can start; end the stage or the execution when it is done."""
        while execution.status == IN_PROGRESS:
            stage = execution.stages[execution.stage_index]
            stage_name = str(stage["name"])
            running = [
                a
                for a in execution.actions
                if a.stage_name == stage_name
                and int(a.definition.get("runOrder", 1)) == execution.run_order
            ]
            if any(a.status == IN_PROGRESS for a in running):
                return
            failed = next((a for a in running if a.status == FAILED), None)
            if failed is not None:
                execution.stage_status[stage_name] = FAILED
                message = failed.error.message if failed.error else "failed"
                execution.finish(
                    FAILED,
                    f"Action {failed.name} in stage {stage_name} failed: {message}",
                )
                return
            later = [
                o
                for o in _run_orders(stage)
                if execution.run_order is None or o > execution.run_order
            ]
            if later:
                execution.stage_status[stage_name] = IN_PROGRESS
                execution.run_order = later[0]
                for definition in stage["actions"]:
                    if int(definition.get("runOrder", 1)) == later[0]:
                        self._start_action(execution, stage_name, definition)
                continue
            execution.stage_status[stage_name] = SUCCEEDED
            if execution.stage_index + 1 == len(execution.stages):
                execution.finish(SUCCEEDED)
                return
            execution.stage_index += 1
            execution.run_order = None

    def _start_action(
        self, execution: _Execution, stage_name: str, definition: Mapping[str, Any]
    ) -> None:
        action = _Action(
            execution=execution, stage_name=stage_name, definition=definition
        )
        execution.actions.append(action)
        try:
            action.resolved_configuration = _resolve(execution, definition)
            inputs = {
                artifact["name"]: _artifact(execution, artifact["name"])
                for artifact in definition.get("inputArtifacts") or ()
            }
            action.inputs = tuple(_detail(n, loc) for n, loc in inputs.items())
            owner = action.type_id.get("owner")
            if owner in _RUNS_JOBS:
                self._queue_job(action, inputs)
            elif (
                action.type_id.get("provider") == "S3"
                and action.type_id.get("category") == ActionCategory.SOURCE.value
            ):
                self._s3_source(action)
            elif self._succeed_aws_actions:
                action.outputs = tuple(
                    _detail(a["name"], self._empty_location(execution, a["name"]))
                    for a in definition.get("outputArtifacts") or ()
                )
                action.summary = "Succeeded at once: the emulator runs no AWS actions"
                self._succeeded(action)
            else:
                raise PipelineFault(
                    "ActionNotRun",
                    f"The emulator does not run AWS-owned {_type_name(action.type_id)} "
                    "actions; start it with succeed_aws_actions=True to let them "
                    "succeed at once",
                )
        except PipelineFault as refused:
            action.end(
                FAILED, error=ErrorDetails(code=refused.code, message=refused.message)
            )
        except Exception as error:  # S3 or KMS on the way: the action fails, told why
            _logger.exception("action %s could not start", action.name)
            action.end(
                FAILED,
                error=ErrorDetails(
                    code="InternalError",
                    message=f"The emulator could not start the action: {type(error).__name__}",
                ),
            )

    def _queue_job(self, action: _Action, inputs: Mapping[str, _JobS3Location]) -> None:
        execution = action.execution
        action_type_id = converter.structure(action.type_id, ActionTypeId)
        action_type = self._registered(action_type_id)
        if action_type is None:
            raise PipelineFault(
                "ActionTypeNotFoundException",
                f"ActionType {_type_name(action.type_id)} does not exist: create or "
                "register it before starting the pipeline",
            )
        action.secret_keys = frozenset(
            str(p["name"])
            for p in action_type.get("actionConfigurationProperties") or ()
            if p.get("secret")
        )
        action.settings = action_type.get("settings") or {}
        options: dict[str, Any] = {
            "configuration": action.resolved_configuration,
            "input_artifacts": inputs,
            "output_artifacts": [
                a["name"] for a in action.definition.get("outputArtifacts") or ()
            ],
            "encryption_key": execution.encrypted,
            "pipeline_name": execution.name,
            "stage_name": action.stage_name,
            "action_name": action.name,
            "pipeline_execution_id": execution.id,
        }
        if action_type_id.owner is ActionOwner.THIRD_PARTY:
            where = (execution.name, action.stage_name, action.name)
            client_id = self._client_ids.setdefault(where, str(uuid.uuid4()))
            job_id, _, _ = self._emulator.enqueue_third_party_job(
                action_type_id, client_id=client_id, **options
            )
        else:
            job_id = self._emulator.enqueue_job(action_type_id, **options)
        record = self._emulator.job(job_id)
        action.job_id = job_id
        context = record.pipeline_context.action
        if context is not None and context.action_execution_id is not None:
            action.action_execution_id = context.action_execution_id
        action.outputs = tuple(
            _detail(a.name or "", a.location.s3_location)
            for a in record.output_artifacts
            if a.location is not None and a.location.s3_location is not None
        )
        self._by_job[job_id] = action

    def _registered(self, action_type_id: ActionTypeId) -> Mapping[str, Any] | None:
        """The action type as ListActionTypes shows it; ``None`` if it does not exist."""
        listed = self._service.call(
            "ListActionTypes", {"actionOwnerFilter": action_type_id.owner.value}
        )
        wire = converter.unstructure(action_type_id)
        return next((t for t in listed["actionTypes"] if t["id"] == wire), None)

    def _s3_source(self, action: _Action) -> None:
        configuration = action.resolved_configuration
        bucket, key = configuration.get("S3Bucket"), configuration.get("S3ObjectKey")
        if not bucket or not key:
            raise PipelineFault(
                "ConfigurationError",
                "An S3 source action needs S3Bucket and S3ObjectKey in its configuration",
            )
        try:
            self._emulator.read_object(bucket, key)
        except Exception as error:  # botocore's ClientError, or no connection
            raise PipelineFault(
                "PermissionError"
                if "AccessDenied" in str(error)
                else "ConfigurationError",
                f"Cannot read s3://{bucket}/{key}: {error}",
            ) from None
        location = _JobS3Location(bucket_name=bucket, object_key=key)
        action.outputs = tuple(
            _detail(a["name"], location)
            for a in action.definition.get("outputArtifacts") or ()
        )
        action.summary = f"s3://{bucket}/{key}"
        self._succeeded(action)

    def _empty_location(self, execution: _Execution, name: str) -> _JobS3Location:
        return _JobS3Location(
            bucket_name=self._emulator.artifact_bucket,
            object_key=f"{execution.name}/{name}/{uuid.uuid4().hex[:12]}",
        )


# --- helpers -----------------------------------------------------------------------


def _type_name(type_id: Mapping[str, str]) -> str:
    return "/".join(
        str(type_id.get(part)) for part in ("category", "owner", "provider", "version")
    )


def _detail(name: str, location: _JobS3Location | None) -> ArtifactDetail:
    assert location is not None
    return ArtifactDetail(
        name=name,
        s3location=S3Location(
            bucket=location.bucket_name or "", key=location.object_key or ""
        ),
    )


def _artifact(execution: _Execution, name: str) -> _JobS3Location:
    location = execution.artifacts.get(name)
    if location is None:
        raise PipelineFault(
            "ConfigurationError",
            f"Input artifact {name} is not an output of an earlier action",
        )
    return location


def _variables(
    pipeline: Mapping[str, Any], params: Mapping[str, Any]
) -> dict[str, str]:
    declared = {
        str(v["name"]): v.get("defaultValue") for v in pipeline.get("variables") or ()
    }
    given = {str(v["name"]): str(v["value"]) for v in params.get("variables") or ()}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise PipelineFault(
            "ValidationException",
            f"Pipeline variable {unknown[0]} is not declared in pipeline "
            f"{pipeline['name']}",
        )
    values = {name: value for name, value in declared.items() if value is not None}
    missing = sorted(set(declared) - set(values) - set(given))
    if missing:
        raise PipelineFault(
            "ValidationException",
            f"Pipeline variable {missing[0]} has no default value and was not given",
        )
    return {**values, **given}


def _resolve(execution: _Execution, definition: Mapping[str, Any]) -> dict[str, str]:
    """The action's configuration with ``#{namespace.name}`` variables filled in."""
    scopes: dict[str, Mapping[str, str]] = {
        **execution.namespaces,
        "variables": execution.variables,
        "codepipeline": {"PipelineExecutionId": execution.id},
    }

    def value(match: re.Match[str]) -> str:
        found = scopes.get(match["namespace"], {}).get(match["name"])
        if found is None:
            raise PipelineFault(
                "ConfigurationError",
                f"Unable to resolve variable {match[0]} in the configuration of "
                f"action {definition['name']}",
            )
        return found

    configuration: Mapping[str, Any] = definition.get("configuration") or {}
    return {key: _VARIABLE.sub(value, str(raw)) for key, raw in configuration.items()}


def _action_state(name: str, run: _Action | None) -> ActionState:
    if run is None:
        return ActionState(action_name=name)
    return ActionState(
        action_name=name,
        latest_execution=run.latest(),
        entity_url=run.url("entityUrlTemplate"),
    )


def _stage_state(
    stage: Mapping[str, Any], executions: Sequence[_Execution]
) -> StageState:
    name = str(stage["name"])
    latest = next((e for e in executions if name in e.stage_status), None)
    actions = (
        {a.name: a for a in latest.actions if a.stage_name == name} if latest else {}
    )
    return StageState(
        stage_name=name,
        inbound_transition_state=TransitionState(enabled=True),
        action_states=tuple(
            _action_state(str(d["name"]), actions.get(str(d["name"])))
            for d in stage["actions"]
        ),
        latest_execution=(
            StageExecution(
                pipeline_execution_id=latest.id, status=latest.stage_status[name]
            )
            if latest is not None
            else None
        ),
    )


def _wire(model: object) -> Any:
    return converter.unstructure(model)
