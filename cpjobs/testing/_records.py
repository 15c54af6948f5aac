"""What the emulator remembers about a job, as frozen snapshots for tests."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .._mapping import FrozenMap, freeze, redacted
from .._models import (
    ActionTypeId,
    Artifact,
    CurrentRevision,
    EncryptionKey,
    ExecutionDetails,
    FailureDetails,
    JobStatus,
    PipelineContext,
)

__all__ = ["JobRecord", "JobSuccess"]


@attrs.frozen(kw_only=True)
class JobSuccess:
    """What a worker reported with ``Put(ThirdParty)JobSuccessResult``."""

    execution_details: ExecutionDetails | None = None
    current_revision: CurrentRevision | None = None
    output_variables: Mapping[str, str] | None = attrs.field(
        default=None, converter=freeze
    )
    #: The token the worker asked to continue with; the emulator then
    #: created the job its `JobRecord` names as ``next_job_id``.
    continuation_token: str | None = None


@attrs.frozen(kw_only=True)
class JobRecord:
    """A snapshot of one job: what it carries, where it is, what was reported."""

    id: str
    action_type_id: ActionTypeId
    status: JobStatus
    #: The nonce of the current dispatch; ``None`` while the job waits to be polled.
    nonce: str | None
    #: How often a poll handed the job out (more than once after a dispatch timeout).
    dispatch_count: int
    account_id: str
    configuration: Mapping[str, str] = attrs.field(repr=redacted, converter=FrozenMap)
    pipeline_context: PipelineContext
    input_artifacts: tuple[Artifact, ...]
    output_artifacts: tuple[Artifact, ...]
    encryption_key: EncryptionKey | None
    #: The token this job was created with (``data.continuationToken``).
    continuation_token: str | None
    #: The third-party client the job belongs to; ``None`` for custom jobs.
    client_id: str | None
    previous_job_id: str | None
    next_job_id: str | None
    success: JobSuccess | None
    failure_details: FailureDetails | None

    @property
    def third_party(self) -> bool:
        """Whether this is a third-party (partner) job."""
        return self.client_id is not None
