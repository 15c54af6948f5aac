"""Typed asyncio toolkit for AWS CodePipeline job workers."""

from __future__ import annotations

from typing import Any

import attrs

from ._action_types import (
    ActionTypeSpec,
    Registration,
    action_type_differences,
    cloudformation_template,
    find_action_type,
    register_action_type,
)
from ._backoff import Backoff
from ._client import JobsClient, JobStream
from ._context import (
    ClientTokenProvider,
    JobContext,
    JobHandler,
    ThirdPartyJobHandler,
)
from ._converter import converter
from ._errors import (
    ActionTypeConflict,
    ActionTypeNotFound,
    ClientNotOpen,
    ConcurrentModification,
    CPJobsError,
    CredentialsError,
    InvalidClientToken,
    InvalidField,
    InvalidJob,
    InvalidJobState,
    InvalidNextToken,
    InvalidNonce,
    InvalidTags,
    JobNotFound,
    LimitExceeded,
    OutputVariablesSizeExceeded,
    ServiceError,
    Throttled,
    TooManyTags,
    TransportError,
    UnexpectedResponse,
    ValidationException,
    WorkerAlreadyRun,
)
from ._events import (
    JobFinished,
    JobResult,
    JobSkipped,
    JobStarted,
    Polled,
    PollFailed,
    RetryScheduled,
    SkipReason,
    WorkerEvent,
    WorkerStats,
)
from ._logging import JobFieldsFilter, JsonFormatter, configure_logging
from ._models import (
    AcknowledgeJobInput,
    AcknowledgeJobOutput,
    AcknowledgeThirdPartyJobInput,
    AcknowledgeThirdPartyJobOutput,
    ActionCategory,
    ActionConfiguration,
    ActionConfigurationProperty,
    ActionConfigurationPropertyType,
    ActionContext,
    ActionOwner,
    ActionType,
    ActionTypeId,
    ActionTypeSettings,
    Artifact,
    ArtifactDetails,
    ArtifactLocation,
    ArtifactLocationType,
    AWSSessionCredentials,
    CreateCustomActionTypeInput,
    CreateCustomActionTypeOutput,
    CurrentRevision,
    DeleteCustomActionTypeInput,
    EncryptionKey,
    EncryptionKeyType,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    GetJobDetailsInput,
    GetJobDetailsOutput,
    GetThirdPartyJobDetailsInput,
    GetThirdPartyJobDetailsOutput,
    Job,
    JobData,
    JobDetails,
    JobStatus,
    ListActionTypesInput,
    ListActionTypesOutput,
    PipelineContext,
    PollForJobsInput,
    PollForJobsOutput,
    PollForThirdPartyJobsInput,
    PollForThirdPartyJobsOutput,
    PutJobFailureResultInput,
    PutJobSuccessResultInput,
    PutThirdPartyJobFailureResultInput,
    PutThirdPartyJobSuccessResultInput,
    S3ArtifactLocation,
    StageContext,
    Tag,
    ThirdPartyJob,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from ._options import WorkerOptions
from ._outcomes import Continue, Failure, Outcome, Success
from ._worker import JobWorker, ThirdPartyJobWorker

__all__ = [
    "AWSSessionCredentials",
    "AcknowledgeJobInput",
    "AcknowledgeJobOutput",
    "AcknowledgeThirdPartyJobInput",
    "AcknowledgeThirdPartyJobOutput",
    "ActionCategory",
    "ActionConfiguration",
    "ActionConfigurationProperty",
    "ActionConfigurationPropertyType",
    "ActionContext",
    "ActionOwner",
    "ActionType",
    "ActionTypeConflict",
    "ActionTypeId",
    "ActionTypeNotFound",
    "ActionTypeSettings",
    "ActionTypeSpec",
    "Artifact",
    "ArtifactDetails",
    "ArtifactLocation",
    "ArtifactLocationType",
    "Backoff",
    "CPJobsError",
    "ClientNotOpen",
    "ClientTokenProvider",
    "ConcurrentModification",
    "Continue",
    "CreateCustomActionTypeInput",
    "CreateCustomActionTypeOutput",
    "CredentialsError",
    "CurrentRevision",
    "DeleteCustomActionTypeInput",
    "EncryptionKey",
    "EncryptionKeyType",
    "ExecutionDetails",
    "Failure",
    "FailureDetails",
    "FailureType",
    "GetJobDetailsInput",
    "GetJobDetailsOutput",
    "GetThirdPartyJobDetailsInput",
    "GetThirdPartyJobDetailsOutput",
    "InvalidClientToken",
    "InvalidField",
    "InvalidJob",
    "InvalidJobState",
    "InvalidNextToken",
    "InvalidNonce",
    "InvalidTags",
    "Job",
    "JobContext",
    "JobData",
    "JobDetails",
    "JobFieldsFilter",
    "JobFinished",
    "JobHandler",
    "JobNotFound",
    "JobResult",
    "JobSkipped",
    "JobStarted",
    "JobStatus",
    "JobStream",
    "JobWorker",
    "JobsClient",
    "JsonFormatter",
    "LimitExceeded",
    "ListActionTypesInput",
    "ListActionTypesOutput",
    "Outcome",
    "OutputVariablesSizeExceeded",
    "PipelineContext",
    "PollFailed",
    "PollForJobsInput",
    "PollForJobsOutput",
    "PollForThirdPartyJobsInput",
    "PollForThirdPartyJobsOutput",
    "Polled",
    "PutJobFailureResultInput",
    "PutJobSuccessResultInput",
    "PutThirdPartyJobFailureResultInput",
    "PutThirdPartyJobSuccessResultInput",
    "Registration",
    "RetryScheduled",
    "S3ArtifactLocation",
    "ServiceError",
    "SkipReason",
    "StageContext",
    "Success",
    "Tag",
    "ThirdPartyJob",
    "ThirdPartyJobData",
    "ThirdPartyJobDetails",
    "ThirdPartyJobHandler",
    "ThirdPartyJobWorker",
    "Throttled",
    "TooManyTags",
    "TransportError",
    "UnexpectedResponse",
    "ValidationException",
    "WorkerAlreadyRun",
    "WorkerEvent",
    "WorkerOptions",
    "WorkerStats",
    "action_type_differences",
    "cloudformation_template",
    "configure_logging",
    "converter",
    "find_action_type",
    "register_action_type",
]


def _present_classes_as_public() -> None:
    """Make public classes show as cpjobs.X in reprs, tracebacks and docs."""
    for name in __all__:
        obj = globals()[name]
        if attrs.has(obj):
            # Resolve annotations while their module still names them.
            attrs.resolve_types(obj)
        if isinstance(obj, type):
            obj.__module__ = __name__


_present_classes_as_public()


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("cpjobs")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
