"""The exceptions cpjobs raises.

::

    CPJobsError                       .retryable: may the same call succeed later?
    ├── ActionTypeConflict            a registered action type version differs from its spec
    ├── InvalidField                  a value you built breaks a service limit (also ValueError)
    ├── InvalidEvent                  a Lambda event that is not a CodePipeline job (.path,
    │                                 also ValueError)
    ├── ClientNotOpen                 a created JobsClient used outside ``async with``
    │                                 (also RuntimeError)
    ├── WorkerAlreadyRun              a worker's ``run`` called a second time
    │                                 (also RuntimeError)
    ├── CredentialsError              nothing to sign with: no credentials, or their
    │                                 provider failed (then retryable)
    ├── TransportError                no answer: connection refused or reset, timeouts
    ├── UnexpectedResponse            an answer that does not fit the service model
    ├── ArtifactError                 an artifact could not be read or written (.artifact)
    │   ├── ArtifactNotFound          no such artifact in the job, or no object in S3
    │   ├── ArtifactAccessDenied      S3 refused the job's credentials (.reason)
    │   ├── BadArchive                not a zip, tar or tar.gz, or corrupt
    │   └── UnsafeArchive             an entry breaks a safety rule (.entry, .rule)
    │       └── ArtifactTooLarge      a size, entry count or compression ratio limit
    └── ServiceError                  the service answered with an error code
        ├── ActionTypeNotFound
        ├── ConcurrentModification    another call changed the action type (retryable)
        ├── InvalidClientToken
        ├── InvalidJob
        ├── InvalidJobState
        ├── InvalidNextToken
        ├── InvalidNonce
        ├── InvalidTags
        ├── JobNotFound
        ├── LimitExceeded
        ├── OutputVariablesSizeExceeded
        ├── Throttled                 ThrottlingException and its relatives
        ├── TooManyTags
        └── ValidationException       the service rejected the request's shape

A code the service adds later arrives as `ServiceError` itself, with its `code`.
Errors raised for a botocore exception keep it as ``__cause__``.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Final

from botocore.exceptions import (
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    TokenRetrievalError,
)

__all__ = [
    "ActionTypeConflict",
    "ActionTypeNotFound",
    "ArchiveRule",
    "ArtifactAccessDenied",
    "ArtifactError",
    "ArtifactNotFound",
    "ArtifactTooLarge",
    "BadArchive",
    "CPJobsError",
    "ClientNotOpen",
    "ConcurrentModification",
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
    "may_have_landed",
]


class CPJobsError(Exception):
    """The root of every exception cpjobs raises."""

    #: Whether the same call may succeed if made again later.
    retryable: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors defeat BaseException's pickling.
        return (_rebuild, (type(self), self.__dict__, self.args))


def _rebuild(
    cls: type[CPJobsError], state: dict[str, Any], args: tuple[Any, ...]
) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidField(CPJobsError, ValueError):
    """A value you built breaks one of the service's limits.

    Raised on construction, before anything is sent. The message names the
    field, the problem and the limit; it never quotes a secret value.
    """

    def __init__(self, field: str, problem: str, limit: str) -> None:
        self.field = field
        self.problem = problem
        self.limit = limit
        super().__init__(f"{field}: {problem} (limit: {limit})")


class InvalidEvent(CPJobsError, ValueError):
    """A Lambda event is not the CodePipeline job it should be.

    ``path`` says where (``CodePipeline.job.data.inputArtifacts[0].name``);
    the message never quotes a value from the event.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ClientNotOpen(CPJobsError, RuntimeError):
    """A `JobsClient.create` client was used outside its ``async with`` block."""


class WorkerAlreadyRun(CPJobsError, RuntimeError):
    """A worker's `~JobWorker.run` was called again: a worker runs once, make a new one."""


class UnexpectedResponse(CPJobsError):
    """The service's answer does not fit the service model.

    The original error (what did not fit) is the ``__cause__``.
    """

    def __init__(self, operation: str, problem: str) -> None:
        self.operation = operation
        super().__init__(f"{operation}: unexpected response: {problem}")


class CredentialsError(CPJobsError):
    """No AWS credentials to sign a request with.

    None are configured (not retryable), or the provider that fetches them
    (instance metadata, SSO, a credential process) failed: retrying may help.
    """

    def __init__(self, operation: str, message: str, *, retryable: bool) -> None:
        self.operation = operation
        self.retryable = retryable
        super().__init__(f"{operation}: {message}")


class TransportError(CPJobsError):
    """The request got no answer: the connection failed or timed out.

    Retrying may help.
    """

    retryable = True

    def __init__(self, operation: str, message: str) -> None:
        self.operation = operation
        super().__init__(f"{operation}: {message}")


class ServiceError(CPJobsError):
    """CodePipeline answered with an error code.

    Attributes:
        code: The service's error code, e.g. ``"InvalidNonceException"``.
        message: The service's message.
        operation: The operation that failed, e.g. ``"AcknowledgeJob"``.
        request_id: The request id, for AWS support; ``None`` if unknown.
        http_status: The HTTP status of the answer; ``None`` if unknown.
        retryable: Whether sending the same request again may succeed.
    """

    codes: ClassVar[tuple[str, ...]] = ()
    #: Whether errors of this class are transient; ``None`` (codes without
    #: a class of their own) decides as botocore's ``standard`` retry mode
    #: does: by the code, then by the HTTP status (429, 500, 502, 503, 504).
    transient: ClassVar[bool | None] = None

    def __init__(
        self,
        code: str,
        message: str,
        *,
        operation: str,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.operation = operation
        self.request_id = request_id
        self.http_status = http_status
        super().__init__(f"{operation}: {code}: {message}")

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        """Whether sending the same request again may succeed."""
        if self.transient is not None:
            return self.transient
        return self.code in _TRANSIENT_CODES or self.http_status in _TRANSIENT_STATUSES

    @property
    def throttled(self) -> bool:
        """Whether the service refused the call to slow the caller down."""
        return self.code in Throttled.codes or self.http_status == _TOO_MANY_REQUESTS


class ActionTypeNotFound(ServiceError):
    """The action type polled for is not registered."""

    codes = ("ActionTypeNotFoundException",)
    transient = False


class InvalidClientToken(ServiceError):
    """The client token does not belong to the job's client id."""

    codes = ("InvalidClientTokenException",)
    transient = False


class InvalidJob(ServiceError):
    """The third-party job is not valid (GetThirdPartyJobDetails)."""

    codes = ("InvalidJobException",)
    transient = False


class InvalidJobState(ServiceError):
    """The job is not in a state that accepts this call (e.g. already finished)."""

    codes = ("InvalidJobStateException",)
    transient = False


class InvalidNonce(ServiceError):
    """The nonce does not match: another worker holds the job."""

    codes = ("InvalidNonceException",)
    transient = False


class JobNotFound(ServiceError):
    """No job has that id."""

    codes = ("JobNotFoundException",)
    transient = False


class OutputVariablesSizeExceeded(ServiceError):
    """The output variables are larger than the service accepts."""

    codes = ("OutputVariablesSizeExceededException",)
    transient = False


class Throttled(ServiceError):
    """The service asks to slow down."""

    # botocore's standard retry mode's throttling codes (retries/standard.py),
    # but LimitExceededException: CodePipeline means an account limit by it.
    codes = (
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    )
    transient = True


class ValidationException(ServiceError):
    """The service rejected the request's shape or values."""

    codes = ("ValidationException",)
    transient = False


# botocore's standard retry mode's transient codes and statuses
# (retries/standard.py), and 429 (Too Many Requests) whatever its code.
_TRANSIENT_CODES: Final = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
_TOO_MANY_REQUESTS: Final = 429
_TRANSIENT_STATUSES: Final = frozenset({_TOO_MANY_REQUESTS, 500, 502, 503, 504})

_ERROR_CLASSES: Final[dict[str, type[ServiceError]]] = {
    code: cls
    for cls in (
        ActionTypeNotFound,
        InvalidClientToken,
        InvalidJob,
        InvalidJobState,
        InvalidNonce,
        JobNotFound,
        OutputVariablesSizeExceeded,
        Throttled,
        ValidationException,
    )
    for code in cls.codes
}

# Connection refused, reset or closed (ConnectionError and HTTPClientError
# subclasses: EndpointConnectionError, ConnectionClosedError, ...) and timeouts.
_TRANSPORT_ERRORS: Final = (ConnectionError, HTTPClientError)
_MISSING_CREDENTIALS: Final = (NoCredentialsError, PartialCredentialsError)
_CREDENTIAL_PROVIDER_ERRORS: Final = (CredentialRetrievalError, TokenRetrievalError)


def service_error_from(error: ClientError, operation: str) -> ServiceError:
    """Translate botocore's `ClientError` into the `ServiceError` for its code."""
    response: Any = error.response
    details = response.get("Error", {})
    metadata = response.get("ResponseMetadata", {})
    code = str(details.get("Code", "Unknown"))
    return _ERROR_CLASSES.get(code, ServiceError)(
        code,
        str(details.get("Message", "")),
        operation=operation,
        request_id=metadata.get("RequestId"),
        http_status=metadata.get("HTTPStatusCode"),
    )


def translate(error: Exception, operation: str) -> CPJobsError | None:
    """The cpjobs exception for a botocore/aiobotocore one, or ``None``."""
    if isinstance(error, ClientError):
        return service_error_from(error, operation)
    if isinstance(error, _TRANSPORT_ERRORS):
        return TransportError(operation, str(error))
    if isinstance(error, _MISSING_CREDENTIALS):
        return CredentialsError(operation, str(error), retryable=False)
    if isinstance(error, _CREDENTIAL_PROVIDER_ERRORS):
        return CredentialsError(operation, str(error), retryable=True)
    return None


def may_have_landed(error: CPJobsError) -> bool:
    """Whether the call that failed with ``error`` may have been applied anyway.

    A lost answer (a timeout, a dropped connection) or a server error may
    follow a call the service applied; a throttled call was refused unread.
    """
    if isinstance(error, TransportError):
        return True
    return isinstance(error, ServiceError) and error.retryable and not error.throttled


# --- custom action types -------------------------------------------------------


class ConcurrentModification(ServiceError):
    """Another call changed the same resource at the same time; try again."""

    codes = ("ConcurrentModificationException",)
    transient = True


class InvalidNextToken(ServiceError):
    """The pagination token is not one the service handed out."""

    codes = ("InvalidNextTokenException",)
    transient = False


class InvalidTags(ServiceError):
    """A tag's key or value is not accepted."""

    codes = ("InvalidTagsException",)
    transient = False


class LimitExceeded(ServiceError):
    """An account limit is reached (e.g. the number of custom action types)."""

    codes = ("LimitExceededException",)
    transient = False


class TooManyTags(ServiceError):
    """The resource would have more tags than allowed."""

    codes = ("TooManyTagsException",)
    transient = False


_ERROR_CLASSES.update(
    (code, cls)
    for cls in (
        ConcurrentModification,
        InvalidNextToken,
        InvalidTags,
        LimitExceeded,
        TooManyTags,
    )
    for code in cls.codes
)


class ActionTypeConflict(CPJobsError):
    """A version of a custom action type exists with a different definition.

    The service cannot change a type in place: the new definition needs a new
    version. ``differences`` lists each member that differs.
    """

    def __init__(
        self, action_type: str, differences: tuple[str, ...], next_version: str
    ) -> None:
        self.action_type = action_type
        self.differences = differences
        self.next_version = next_version
        listed = "".join(f"\n  - {difference}" for difference in differences)
        super().__init__(
            f"{action_type} is registered with a different definition:{listed}\n"
            "A registered version cannot be changed: register the new definition"
            f" as a new version (e.g. version {next_version!r})"
        )


# --- artifacts -----------------------------------------------------------------


class ArtifactError(CPJobsError):
    """An artifact of the job could not be read or written.

    Attributes:
        artifact: The artifact's name (empty when the error is about none).
    """

    def __init__(self, artifact: str, message: str, *, retryable: bool = False) -> None:
        self.artifact = artifact
        self.retryable = retryable
        super().__init__(f"artifact {artifact!r}: {message}" if artifact else message)


class ArtifactNotFound(ArtifactError):
    """The job has no artifact of that name, or S3 has no object at its location."""


class ArtifactAccessDenied(ArtifactError):
    """S3 refused the job's artifact credentials.

    Attributes:
        reason: S3's error code and message, e.g. ``"AccessDenied: ..."``.
    """

    def __init__(self, artifact: str, reason: str, *, retryable: bool = False) -> None:
        self.reason = reason
        super().__init__(artifact, f"access denied: {reason}", retryable=retryable)


class BadArchive(ArtifactError):
    """The artifact is not a zip, tar or tar.gz archive, or it is corrupt."""


class ArchiveRule(enum.StrEnum):
    """The safety rules an archive entry can break."""

    ABSOLUTE_PATH = "absolute path"
    PARENT_REFERENCE = "parent directory reference (..)"
    DRIVE_LETTER = "drive letter"
    OUTSIDE_DESTINATION = "resolves outside the destination"
    LINK = "links are refused"
    LINK_OUTSIDE = "link points outside the destination"
    SPECIAL_FILE = "device, FIFO or other special file"
    TOTAL_SIZE = "total uncompressed size"
    ENTRY_COUNT = "number of entries"
    COMPRESSION_RATIO = "compression ratio"


class UnsafeArchive(ArtifactError):
    """An archive entry breaks a safety rule; nothing was extracted.

    Attributes:
        entry: The entry's name as the archive spells it.
        rule: The rule it breaks.
    """

    def __init__(
        self, artifact: str, entry: str, rule: ArchiveRule, detail: str = ""
    ) -> None:
        self.entry = entry
        self.rule = rule
        suffix = f" ({detail})" if detail else ""
        super().__init__(artifact, f"entry {entry!r} refused: {rule.value}{suffix}")


class ArtifactTooLarge(UnsafeArchive):
    """An archive goes over a limit: total size, entry count or compression ratio.

    Attributes:
        limit: The limit it goes over, in its unit (bytes, entries, ratio).
    """

    def __init__(
        self, artifact: str, entry: str, rule: ArchiveRule, *, limit: float
    ) -> None:
        self.limit = limit
        super().__init__(artifact, entry, rule, f"limit {limit:g}")
