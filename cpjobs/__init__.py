"""Typed asyncio toolkit for AWS CodePipeline job workers."""

from ._errors import (
    ActionTypeNotFound,
    CPJobsError,
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
    ValidationException,
)
from ._models import *  # noqa: F403  (temporary until the explicit list lands)
