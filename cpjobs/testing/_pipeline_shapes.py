"""The pipeline execution answers the emulator writes, as models for the converter.

Shapes of `GetPipelineExecution`, `ListPipelineExecutions`, `GetPipelineState`
and `ListActionExecutions`, named and laid out as in botocore's service model;
the converter writes them (camelCase, ``None`` omitted).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

import attrs

from .._mapping import FrozenMap, freeze, redacted
from .._models import ActionTypeId

__all__ = [
    "STARTED_BY_API",
    "ActionExecution",
    "ActionExecutionDetail",
    "ActionExecutionInput",
    "ActionExecutionOutput",
    "ActionExecutionResult",
    "ActionState",
    "ArtifactDetail",
    "ErrorDetails",
    "ExecutionTrigger",
    "PipelineExecution",
    "PipelineExecutionSummary",
    "ResolvedPipelineVariable",
    "S3Location",
    "StageExecution",
    "StageState",
    "TransitionState",
]


# Built here, written by the converter (camelCase, None omitted).


@attrs.frozen(kw_only=True)
class ErrorDetails:
    code: str
    message: str


@attrs.frozen(kw_only=True)
class S3Location:
    bucket: str
    key: str


@attrs.frozen(kw_only=True)
class ArtifactDetail:
    name: str
    s3location: S3Location


@attrs.frozen(kw_only=True)
class ActionExecutionInput:
    action_type_id: ActionTypeId
    configuration: Mapping[str, str] = attrs.field(repr=redacted, converter=FrozenMap)
    resolved_configuration: Mapping[str, str] = attrs.field(
        repr=redacted, converter=FrozenMap
    )
    region: str
    input_artifacts: tuple[ArtifactDetail, ...]
    namespace: str | None = None


@attrs.frozen(kw_only=True)
class ActionExecutionResult:
    external_execution_id: str | None = None
    external_execution_summary: str | None = None
    external_execution_url: str | None = None
    error_details: ErrorDetails | None = None


@attrs.frozen(kw_only=True)
class ActionExecutionOutput:
    output_artifacts: tuple[ArtifactDetail, ...] = ()
    execution_result: ActionExecutionResult | None = None
    output_variables: Mapping[str, str] | None = attrs.field(
        default=None, converter=freeze
    )


@attrs.frozen(kw_only=True)
class ActionExecutionDetail:
    pipeline_execution_id: str
    action_execution_id: str
    pipeline_version: int
    stage_name: str
    action_name: str
    start_time: datetime
    last_update_time: datetime
    status: str
    input: ActionExecutionInput
    output: ActionExecutionOutput


@attrs.frozen(kw_only=True)
class ActionExecution:
    action_execution_id: str
    status: str
    last_status_change: datetime
    summary: str | None = None
    external_execution_id: str | None = None
    external_execution_url: str | None = None
    percent_complete: int | None = None
    error_details: ErrorDetails | None = None


@attrs.frozen(kw_only=True)
class ActionState:
    action_name: str
    latest_execution: ActionExecution | None = None
    entity_url: str | None = None


@attrs.frozen(kw_only=True)
class StageExecution:
    pipeline_execution_id: str
    status: str


@attrs.frozen(kw_only=True)
class TransitionState:
    enabled: bool


@attrs.frozen(kw_only=True)
class StageState:
    stage_name: str
    inbound_transition_state: TransitionState
    action_states: tuple[ActionState, ...]
    latest_execution: StageExecution | None = None


@attrs.frozen(kw_only=True)
class ResolvedPipelineVariable:
    name: str
    resolved_value: str


@attrs.frozen(kw_only=True)
class ExecutionTrigger:
    trigger_type: str
    trigger_detail: str


#: How every execution run here was started.
STARTED_BY_API: Final = ExecutionTrigger(
    trigger_type="StartPipelineExecution", trigger_detail=""
)


@attrs.frozen(kw_only=True)
class PipelineExecution:
    pipeline_name: str
    pipeline_version: int
    pipeline_execution_id: str
    status: str
    status_summary: str | None = None
    artifact_revisions: tuple[()] = ()
    variables: tuple[ResolvedPipelineVariable, ...] = ()
    trigger: ExecutionTrigger
    execution_type: str


@attrs.frozen(kw_only=True)
class PipelineExecutionSummary:
    pipeline_execution_id: str
    status: str
    start_time: datetime
    last_update_time: datetime
    status_summary: str | None = None
    source_revisions: tuple[()] = ()
    trigger: ExecutionTrigger
    execution_type: str
