"""Typed asyncio toolkit for AWS CodePipeline job workers.

Public names load on first use (PEP 562): ``from cpjobs import
lambda_handler`` imports the Lambda adapter and what it runs on, not the
artifact store, the archive formats, the action-type specs or the worker's
front. Type checkers and IDEs read the imports under ``TYPE_CHECKING``; at
run time `_EXPORTS` says which private module holds each name.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ._action_types import (
        ActionTypeSpec,
        Registration,
        action_type_differences,
        cloudformation_template,
        find_action_type,
        register_action_type,
    )
    from ._archive import ArchiveFormat, ExtractionPolicy, LinkPolicy
    from ._artifacts import (
        ArtifactStore,
        InputArtifact,
        OutputArtifact,
        TransferConfig,
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
        ArchiveRule,
        ArtifactAccessDenied,
        ArtifactError,
        ArtifactNotFound,
        ArtifactTooLarge,
        BadArchive,
        ClientNotOpen,
        ConcurrentModification,
        CPJobsError,
        CredentialsError,
        InvalidClientToken,
        InvalidEvent,
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
        UnsafeArchive,
        ValidationException,
        WorkerAlreadyRun,
    )
    from ._eventrule import event_pattern, wakeup_template
    from ._events import (
        JobFinished,
        JobResult,
        JobSkipped,
        JobStarted,
        Polled,
        PollFailed,
        RetryScheduled,
        SkipReason,
        WakeupFailed,
        Woken,
        WorkerEvent,
        WorkerStats,
    )
    from ._lambda import (
        LambdaContext,
        LambdaHandler,
        LambdaOptions,
        UserParameters,
        job_from_event,
        lambda_handler,
        user_parameters,
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
    from ._transfers import ArtifactTransferred, TransferDirection
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
    "ArchiveFormat",
    "ArchiveRule",
    "Artifact",
    "ArtifactAccessDenied",
    "ArtifactDetails",
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
    "InvalidEvent",
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
    "LambdaContext",
    "LambdaHandler",
    "LambdaOptions",
    "LimitExceeded",
    "LinkPolicy",
    "ListActionTypesInput",
    "ListActionTypesOutput",
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
    "TransferConfig",
    "TransferDirection",
    "TransportError",
    "UnexpectedResponse",
    "UnsafeArchive",
    "UserParameters",
    "ValidationException",
    "WakeupFailed",
    "Woken",
    "WorkerAlreadyRun",
    "WorkerEvent",
    "WorkerOptions",
    "WorkerStats",
    "action_type_differences",
    "cloudformation_template",
    "configure_logging",
    "converter",
    "event_pattern",
    "find_action_type",
    "job_from_event",
    "lambda_handler",
    "register_action_type",
    "user_parameters",
    "wakeup_template",
]

#: The private module of each public name, as imported above for type checkers.
_EXPORTS: Final[dict[str, tuple[str, ...]]] = {
    "._action_types": (
        "ActionTypeSpec",
        "Registration",
        "action_type_differences",
        "cloudformation_template",
        "find_action_type",
        "register_action_type",
    ),
    "._archive": ("ArchiveFormat", "ExtractionPolicy", "LinkPolicy"),
    "._artifacts": (
        "ArtifactStore",
        "InputArtifact",
        "OutputArtifact",
        "TransferConfig",
    ),
    "._backoff": ("Backoff",),
    "._client": ("JobsClient", "JobStream"),
    "._context": (
        "ClientTokenProvider",
        "JobContext",
        "JobHandler",
        "ThirdPartyJobHandler",
    ),
    "._converter": ("converter",),
    "._errors": (
        "ActionTypeConflict",
        "ActionTypeNotFound",
        "ArchiveRule",
        "ArtifactAccessDenied",
        "ArtifactError",
        "ArtifactNotFound",
        "ArtifactTooLarge",
        "BadArchive",
        "ClientNotOpen",
        "ConcurrentModification",
        "CPJobsError",
        "CredentialsError",
        "InvalidClientToken",
        "InvalidEvent",
        "InvalidField",
        "InvalidJob",
        "InvalidJobState",
        "InvalidNextToken",
        "InvalidNonce",
        "InvalidTags",
        "JobNotFound",
        "LimitExceeded",
        "OutputVariablesSizeExceeded",
        "ServiceError",
        "Throttled",
        "TooManyTags",
        "TransportError",
        "UnexpectedResponse",
        "UnsafeArchive",
        "ValidationException",
        "WorkerAlreadyRun",
    ),
    "._eventrule": ("event_pattern", "wakeup_template"),
    "._events": (
        "JobFinished",
        "JobResult",
        "JobSkipped",
        "JobStarted",
        "Polled",
        "PollFailed",
        "RetryScheduled",
        "SkipReason",
        "WakeupFailed",
        "Woken",
        "WorkerEvent",
        "WorkerStats",
    ),
    "._lambda": (
        "LambdaContext",
        "LambdaHandler",
        "LambdaOptions",
        "UserParameters",
        "job_from_event",
        "lambda_handler",
        "user_parameters",
    ),
    "._logging": ("JobFieldsFilter", "JsonFormatter", "configure_logging"),
    "._models": (
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
        "ActionTypeId",
        "ActionTypeSettings",
        "Artifact",
        "ArtifactDetails",
        "ArtifactLocation",
        "ArtifactLocationType",
        "AWSSessionCredentials",
        "CreateCustomActionTypeInput",
        "CreateCustomActionTypeOutput",
        "CurrentRevision",
        "DeleteCustomActionTypeInput",
        "EncryptionKey",
        "EncryptionKeyType",
        "ExecutionDetails",
        "FailureDetails",
        "FailureType",
        "GetJobDetailsInput",
        "GetJobDetailsOutput",
        "GetThirdPartyJobDetailsInput",
        "GetThirdPartyJobDetailsOutput",
        "Job",
        "JobData",
        "JobDetails",
        "JobStatus",
        "ListActionTypesInput",
        "ListActionTypesOutput",
        "PipelineContext",
        "PollForJobsInput",
        "PollForJobsOutput",
        "PollForThirdPartyJobsInput",
        "PollForThirdPartyJobsOutput",
        "PutJobFailureResultInput",
        "PutJobSuccessResultInput",
        "PutThirdPartyJobFailureResultInput",
        "PutThirdPartyJobSuccessResultInput",
        "S3ArtifactLocation",
        "StageContext",
        "Tag",
        "ThirdPartyJob",
        "ThirdPartyJobData",
        "ThirdPartyJobDetails",
    ),
    "._options": ("WorkerOptions",),
    "._outcomes": ("Continue", "Failure", "Outcome", "Success"),
    "._transfers": ("ArtifactTransferred", "TransferDirection"),
    "._worker": ("JobWorker", "ThirdPartyJobWorker"),
}
_HOMES: Final = {name: module for module, names in _EXPORTS.items() for name in names}
#: Modules whose public names are in this namespace already.
_presented: set[str] = set()
_MISSING: Final = object()


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is not None:
        importlib.import_module(home, __name__)
        _present_loaded_modules()
        return globals()[name]
    if name == "__version__":
        from importlib.metadata import version

        return version("cpjobs")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _present_loaded_modules() -> None:
    """Bind the public names of every loaded module here, shown as cpjobs.X.

    Modules load each other, so this takes in all of them, not only the one
    just asked for: a `Job` or an `InvalidEvent` met before it is looked up
    here still shows as ``cpjobs.Job`` in reprs, tracebacks and docs. A
    module another thread is still importing lacks some names: it is taken
    in at a later look-up.
    """
    import attrs

    namespace = globals()
    for home, names in _EXPORTS.items():
        module = sys.modules.get(__name__ + home)
        if module is None or home in _presented:
            continue
        objects: list[Any] = [getattr(module, name, _MISSING) for name in names]
        if any(obj is _MISSING for obj in objects):
            continue
        for name, obj in zip(names, objects, strict=True):
            if attrs.has(obj):
                # Resolve annotations while their module still names them.
                attrs.resolve_types(obj)
            if isinstance(obj, type):
                obj.__module__ = __name__
            namespace[name] = obj
        _presented.add(home)
