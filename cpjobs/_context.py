"""What a handler gets besides its job: `JobContext`, and the handler types."""

from __future__ import annotations

import logging
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Mapping,
    MutableMapping,
)
from typing import TYPE_CHECKING, Any

from ._client import JobsClient
from ._errors import ArtifactError, ClientNotOpen, CPJobsError
from ._models import (
    AWSSessionCredentials,
    ExecutionDetails,
    Job,
    JobData,
    PipelineContext,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from ._outcomes import Continue, Outcome
from ._redact import REDACTED
from ._transfers import ArtifactTransferred

if TYPE_CHECKING:
    from ._artifacts import ArtifactStore

__all__ = [
    "AnyJobData",
    "ClientTokenProvider",
    "Configuration",
    "JobContext",
    "JobHandler",
    "ThirdPartyJobHandler",
    "job_extra",
]

logger = logging.getLogger("cpjobs.worker")

AnyJobData = JobData | ThirdPartyJobData

#: ``async (job, context) -> Success | Continue | Failure | None``.
JobHandler = Callable[[Job, "JobContext"], Awaitable[Outcome | None]]
#: ``async (job_details, context) -> Success | Continue | Failure | None``.
ThirdPartyJobHandler = Callable[
    [ThirdPartyJobDetails, "JobContext"], Awaitable[Outcome | None]
]
#: Maps a third-party client id to its client token (``None`` if unknown): a
#: mapping, or a function, sync or async.
ClientTokenProvider = (
    Mapping[str, str] | Callable[[str], str | Awaitable[str | None] | None]
)

_EMPTY: Mapping[str, str] = {}


def job_extra(job_id: str, data: AnyJobData | None) -> dict[str, Any]:
    """The ``extra`` of every log record about a job: where it comes from."""
    context = data.pipeline_context if data is not None else None
    if context is None:
        return {
            "job_id": job_id,
            "pipeline": None,
            "execution_id": None,
            "stage": None,
            "action": None,
        }
    stage, action = context.stage, context.action
    return {
        "job_id": job_id,
        "pipeline": context.pipeline_name,
        "execution_id": context.pipeline_execution_id,
        "stage": stage.name if stage is not None else None,
        "action": action.name if action is not None else None,
    }


class _JobLogger(logging.LoggerAdapter):  # type: ignore[type-arg]  # generic in stubs only
    """Adds the job's fields to each record's ``extra``, keeping the caller's."""

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


class Configuration(Mapping[str, str]):
    """An action's configuration whose repr shows secret values as ``***``.

    Which keys are secret comes from the worker (``secret_properties``, or
    the action type's definition); when nothing is known, every value is.
    """

    __slots__ = ("_secret_keys", "_values")

    def __init__(
        self, values: Mapping[str, str], secret_keys: Collection[str] | None
    ) -> None:
        self._values = values
        self._secret_keys = secret_keys

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        secret = self._secret_keys
        shown = (
            f"{key!r}: {REDACTED!r}"
            if secret is None or key in secret
            else f"{key!r}: {value!r}"
            for key, value in self._values.items()
        )
        return "{" + ", ".join(shown) + "}"


class JobContext:
    """What a handler gets besides the job: where it runs, and help from the worker.

    Attributes:
        job_id: The job's id.
        logger: A logger adapter whose records carry the job id, pipeline,
            execution id, stage and action as ``extra``.
    """

    __slots__ = (
        "_artifacts",
        "_artifacts_closed",
        "_checkpoint",
        "_client",
        "_data",
        "_extra",
        "_logger",
        "_on_transfer",
        "_refresh",
        "_secret_keys",
        "job_id",
    )

    def __init__(
        self,
        *,
        job_id: str,
        data: AnyJobData | None,
        extra: dict[str, Any],
        refresh: Callable[[], Awaitable[AnyJobData | None]],
        secret_keys: Collection[str] | None,
        client: JobsClient | None = None,
        on_transfer: Callable[[ArtifactTransferred], object] | None = None,
    ) -> None:
        self.job_id = job_id
        self._client = client
        self._on_transfer = on_transfer
        self._artifacts: ArtifactStore | None = None
        self._artifacts_closed = False
        self._data = data
        self._extra = extra
        self._logger: logging.LoggerAdapter[logging.Logger] | None = None
        self._refresh = refresh
        self._secret_keys = secret_keys
        self._checkpoint: Continue | None = None

    @property
    def logger(self) -> logging.LoggerAdapter[logging.Logger]:
        """A logger whose records carry the job id, pipeline, stage and action."""
        if self._logger is None:
            self._logger = _JobLogger(logger, self._extra)
        return self._logger

    @property
    def pipeline_context(self) -> PipelineContext | None:
        """The pipeline, stage, action and execution the job belongs to."""
        return self._data.pipeline_context if self._data is not None else None

    @property
    def configuration(self) -> Mapping[str, str]:
        """The action's configuration (empty if it has none); its repr hides secrets."""
        configuration = (
            self._data.action_configuration if self._data is not None else None
        )
        if configuration is None or configuration.configuration is None:
            return _EMPTY
        return Configuration(configuration.configuration, self._secret_keys)

    @property
    def continuation_token(self) -> str | None:
        """The token a previous job of this action continued with, if any."""
        return self._data.continuation_token if self._data is not None else None

    @property
    def artifact_credentials(self) -> AWSSessionCredentials | None:
        """The newest artifact credentials (see `refresh_credentials`)."""
        return self._data.artifact_credentials if self._data is not None else None

    async def refresh_credentials(self) -> AWSSessionCredentials:
        """Fetch fresh artifact credentials (they last about 15 minutes).

        Raises:
            CPJobsError: If the job's details cannot be fetched or carry none.
        """
        data = await self._refresh()
        if data is None or data.artifact_credentials is None:
            msg = f"job {self.job_id}: its details carry no artifact credentials"
            raise CPJobsError(msg)
        self._data = data
        return data.artifact_credentials

    @property
    def artifacts(self) -> ArtifactStore:
        """The job's input and output artifacts (see `ArtifactStore`).

        Made at first use, with the job's artifact credentials (refreshed
        through the worker as they age), and closed when the job ends.
        Transfers are reported to the worker's ``on_event``.

        Raises:
            ArtifactError: The context was not made by a worker.
            ClientNotOpen: The job has ended.
        """
        if self._artifacts_closed:
            msg = f"job {self.job_id} has ended: its artifact store is closed"
            raise ClientNotOpen(msg)
        if self._artifacts is None:
            if self._client is None or self._data is None:
                msg = "this context has no artifact store: it was not made by a worker"
                raise ArtifactError("", msg)
            # Loaded here: a handler that moves no artifact never needs it.
            from ._artifacts import ArtifactStore

            self._artifacts = ArtifactStore.from_data(
                self._client,
                self.job_id,
                self._data,
                self._refresh,
                on_event=self._on_transfer,
            )
        return self._artifacts

    async def aclose(self) -> None:
        """Close the artifact store if one was made; the worker calls it."""
        self._artifacts_closed = True
        if self._artifacts is not None:
            await self._artifacts.aclose()

    def checkpoint(
        self,
        continuation_token: str,
        *,
        percent_complete: int | None = None,
        summary: str | None = None,
    ) -> None:
        """Record how far the job got, for a worker that stops before it ends.

        If the worker stops and the handler is still running after the grace
        period, the job is reported as continued with this token (CodePipeline
        then hands a new job carrying it to any worker) instead of failed.
        """
        details = None if summary is None else ExecutionDetails(summary=summary)
        self._checkpoint = Continue(
            continuation_token,
            execution_details=details,
            percent_complete=percent_complete,
        )

    @property
    def last_checkpoint(self) -> Continue | None:
        """The last `checkpoint`, as the `Continue` a stop would report."""
        return self._checkpoint
