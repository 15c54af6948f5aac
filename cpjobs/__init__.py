"""Typed asyncio toolkit for AWS CodePipeline job workers."""

from __future__ import annotations

import types
from typing import Any

import attrs

from ._archive import ArchiveFormat, ExtractionPolicy, LinkPolicy
from ._artifacts import (
    ArtifactStore,
    ArtifactTransferred,
    InputArtifact,
    OutputArtifact,
    TransferConfig,
    TransferDirection,
)
from ._backoff import Backoff
from ._client import JobsClient, JobStream
from ._converter import converter
from ._errors import (
    ActionTypeNotFound,
    ArchiveRule,
    ArtifactAccessDenied,
    ArtifactError,
    ArtifactNotFound,
    ArtifactTooLarge,
    BadArchive,
    ClientNotOpen,
    CPJobsError,
    CredentialsError,
    InvalidClientToken,
    InvalidField,
    InvalidJob,
    InvalidJobState,
    InvalidNonce,
    JobNotFound,
    OutputVariablesSizeExceeded,
    ServiceError,
    Throttled,
    TransportError,
    UnexpectedResponse,
    UnsafeArchive,
    ValidationException,
)
from ._models import (
    AcknowledgeJobInput,
    AcknowledgeJobOutput,
    AcknowledgeThirdPartyJobInput,
    AcknowledgeThirdPartyJobOutput,
    ActionCategory,
    ActionConfiguration,
    ActionContext,
    ActionOwner,
    ActionTypeId,
    Artifact,
    ArtifactLocation,
    ArtifactLocationType,
    AWSSessionCredentials,
    CurrentRevision,
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
    ThirdPartyJob,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from ._outcomes import Continue, Failure, Outcome, Success
from ._worker import (
    ClientTokenProvider,
    JobContext,
    JobFinished,
    JobHandler,
    JobResult,
    JobSkipped,
    JobStarted,
    JobWorker,
    Polled,
    PollFailed,
    RetryScheduled,
    SkipReason,
    ThirdPartyJobHandler,
    ThirdPartyJobWorker,
    WorkerEvent,
    WorkerOptions,
    WorkerStats,
)

__all__ = [
    "AWSSessionCredentials",
    "AcknowledgeJobInput",
    "AcknowledgeJobOutput",
    "AcknowledgeThirdPartyJobInput",
    "AcknowledgeThirdPartyJobOutput",
    "ActionCategory",
    "ActionConfiguration",
    "ActionContext",
    "ActionOwner",
    "ActionTypeId",
    "ActionTypeNotFound",
    "ArchiveFormat",
    "ArchiveRule",
    "Artifact",
    "ArtifactAccessDenied",
    "ArtifactError",
    "ArtifactLocation",
    "ArtifactLocationType",
    "ArtifactNotFound",
    "ArtifactStore",
    "ArtifactTooLarge",
    "ArtifactTransferred",
    "Backoff",
    "BadArchive",
    "CPJobsError",
    "ClientNotOpen",
    "ClientTokenProvider",
    "Continue",
    "CredentialsError",
    "CurrentRevision",
    "EncryptionKey",
    "EncryptionKeyType",
    "ExecutionDetails",
    "ExtractionPolicy",
    "Failure",
    "FailureDetails",
    "FailureType",
    "GetJobDetailsInput",
    "GetJobDetailsOutput",
    "GetThirdPartyJobDetailsInput",
    "GetThirdPartyJobDetailsOutput",
    "InputArtifact",
    "InvalidClientToken",
    "InvalidField",
    "InvalidJob",
    "InvalidJobState",
    "InvalidNonce",
    "Job",
    "JobContext",
    "JobData",
    "JobDetails",
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
    "LinkPolicy",
    "Outcome",
    "OutputArtifact",
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
    "RetryScheduled",
    "S3ArtifactLocation",
    "ServiceError",
    "SkipReason",
    "StageContext",
    "Success",
    "ThirdPartyJob",
    "ThirdPartyJobData",
    "ThirdPartyJobDetails",
    "ThirdPartyJobHandler",
    "ThirdPartyJobWorker",
    "Throttled",
    "TransferConfig",
    "TransferDirection",
    "TransportError",
    "UnexpectedResponse",
    "UnsafeArchive",
    "ValidationException",
    "WorkerEvent",
    "WorkerOptions",
    "WorkerStats",
    "converter",
]


def _present_classes_as_public() -> None:
    """Make public classes show as cpjobs.X in reprs, tracebacks and docs."""
    for name in __all__:
        obj = globals()[name]
        if attrs.has(obj):
            # Resolve annotations while their module still names them.
            attrs.resolve_types(obj)
        if isinstance(obj, types.GenericAlias):
            continue  # JobHandler: on 3.10 it passes isinstance(x, type) too
        if isinstance(obj, type):
            obj.__module__ = __name__


_present_classes_as_public()


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("cpjobs")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
