"""`ArtifactStore`: a job's input and output artifacts in S3, with its credentials.

The store builds one aiobotocore S3 client per job, signed (SigV4) with the
job's artifact credentials, in the region of the `JobsClient` and, when that
client talks to a custom endpoint (an emulator, a proxy), at that endpoint.
The credentials are refreshed through ``GetJobDetails`` (or
``GetThirdPartyJobDetails`` with the client token) before they grow old and
at once when S3 answers ``ExpiredToken``; the request that met the expired
token is sent again, so a multipart transfer under way goes on.

Transfers stream between S3 and disk in blocks: memory stays flat whatever the
artifact's size. Against AWS, large uploads go multipart and large downloads
as concurrent ranged GETs, with at most `TransferConfig.max_concurrency`
parts in flight; against a custom endpoint, one streamed request each (see
`TransferConfig.parallel`). Archive work runs in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import logging
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
)
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Final, Self, TypeVar, cast, overload

import attrs
from aiobotocore.config import AioConfig
from aiobotocore.credentials import AioCredentialResolver, AioRefreshableCredentials
from botocore.credentials import CredentialProvider
from botocore.exceptions import BotoCoreError, ClientError

from ._archive import (
    HEAD_SIZE,
    ArchiveFormat,
    ExtractionPolicy,
    detect_format,
    extract_archive,
    pack_directory,
)
from ._client import JobsClient
from ._errors import (
    ArtifactAccessDenied,
    ArtifactError,
    ArtifactNotFound,
    BadArchive,
    ClientNotOpen,
    InvalidField,
)
from ._models import (
    Artifact,
    AWSSessionCredentials,
    EncryptionKey,
    Job,
    JobData,
    JobDetails,
    S3ArtifactLocation,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from ._sessions import session_sharing_models
from ._transfers import ArtifactTransferred, TransferDirection, TransferListener

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

__all__ = ["ArtifactStore", "InputArtifact", "OutputArtifact", "TransferConfig"]

logger = logging.getLogger("cpjobs.artifacts")

T = TypeVar("T")

_MIB: Final = 1 << 20
#: Bytes read from or written to disk at a time.
_BLOCK: Final = _MIB
#: S3's multipart limits: parts of 5 MiB to 5 GiB, at most 10 000 of them.
_MIN_PART: Final = 5 * _MIB
_MAX_PART: Final = 5 << 30
_MAX_PARTS: Final = 10_000
#: Long transfers log their progress at debug level this often (seconds).
_PROGRESS_EVERY: Final = 5.0
#: Artifact credentials last about 15 minutes: refresh them well before.
DEFAULT_REFRESH_AFTER: Final = 600.0
_EXPIRED_CODES: Final = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"}
)
_NOT_FOUND_CODES: Final = frozenset({"NoSuchKey", "NoSuchBucket", "NotFound", "404"})
_DENIED_CODES: Final = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "KMS.AccessDeniedException",
        "KMS.DisabledException",
        "403",
    }
)
_TRANSIENT_CODES: Final = frozenset(
    {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"}
)
#: Hosts of AWS's own endpoints: the S3 client then finds S3's endpoint itself.
_AWS_DOMAINS: Final = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def _positive_int(
    minimum: int, maximum: int
) -> Callable[[TransferConfig, attrs.Attribute[int], object], None]:
    def validate(
        instance: TransferConfig, attribute: attrs.Attribute[int], value: object
    ) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not minimum <= value <= maximum
        ):
            raise InvalidField(
                f"TransferConfig.{attribute.name}",
                f"is {value!r}",
                f"an integer from {minimum} to {maximum}",
            )

    return validate


@attrs.frozen(kw_only=True)
class TransferConfig:
    """How artifacts move: part size, when to go multipart, parts in flight.

    Attributes:
        part_size: Bytes per multipart part and per ranged GET (default 8 MiB;
            S3 needs at least 5 MiB).
        multipart_threshold: Files larger than this go in parts (default 16 MiB).
        max_concurrency: Parts in flight per transfer (default 4). Uploads of
            streams hold about ``part_size * max_concurrency`` bytes.
        parallel: Move large files in concurrent parts: multipart uploads and
            ranged GETs. ``None`` (the default) decides by endpoint: yes
            against AWS, where one connection carries about 100 MB/s and parts
            spread over the fleet; no against a custom endpoint such as the
            emulator, where one server does all the work (moto reads the whole
            object for each range and copies the parts again to complete an
            upload): one streamed request is faster there. Streams of unknown
            length are always uploaded in parts, and files over S3's 5 GiB
            limit for one request too.
    """

    part_size: int = attrs.field(
        default=8 * _MIB, validator=_positive_int(_MIN_PART, _MAX_PART)
    )
    multipart_threshold: int = attrs.field(
        default=16 * _MIB, validator=_positive_int(_MIN_PART, _MAX_PART)
    )
    max_concurrency: int = attrs.field(default=4, validator=_positive_int(1, 64))
    parallel: bool | None = None


class _JobCredentials(AioRefreshableCredentials):
    """The job's artifact credentials, refreshed through its details.

    botocore asks `refresh_needed` before each request and, if it says so,
    awaits ``refresh_using`` under a lock: requests wait for the refresh
    instead of racing it. The service gives no expiry time, so these are
    refreshed ``refresh_after`` seconds after they were fetched, or at once
    when S3 said they expired (`expire`).
    """

    def __init__(
        self,
        first: AWSSessionCredentials,
        fetch: Callable[[], Awaitable[AWSSessionCredentials]],
        *,
        refresh_after: float,
        clock: Callable[[], float],
    ) -> None:
        self._fetch = fetch
        self._refresh_after = refresh_after
        self._clock = clock
        self._refresh_at = clock() + refresh_after
        self._stale = False
        self._just_refreshed = False
        #: Bumped by each refresh: tells whether an expired answer is news.
        self.generation = 0
        super().__init__(
            access_key=first.access_key_id,
            secret_key=first.secret_access_key,
            token=first.session_token,
            expiry_time=self._nominal_expiry(),
            refresh_using=self._refresh_metadata,
            method="cpjobs-artifact-credentials",
        )

    def _nominal_expiry(self) -> datetime.datetime:
        # Only for botocore's bookkeeping: `refresh_needed` decides.
        return datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            seconds=self._refresh_after
        )

    def refresh_needed(self, refresh_in: float | None = None) -> bool:
        """Whether the next request must wait for fresh credentials."""
        if self._just_refreshed:
            # botocore's own "still expired?" check right after a refresh:
            # a set just fetched is fresh, even with refresh_after=0.
            self._just_refreshed = False
            return False
        return self._stale or self._clock() >= self._refresh_at

    def expire(self, generation: int) -> None:
        """S3 said the credentials of ``generation`` expired: refresh if still those."""
        if generation == self.generation:
            self._stale = True

    async def _refresh_metadata(self) -> dict[str, str]:
        fresh = await self._fetch()
        self.generation += 1
        self._stale = False
        self._just_refreshed = True
        self._refresh_at = self._clock() + self._refresh_after
        logger.debug("artifact credentials refreshed")
        return {
            "access_key": fresh.access_key_id,
            "secret_key": fresh.secret_access_key,
            "token": fresh.session_token,
            "expiry_time": self._nominal_expiry().isoformat(),
        }


class _JobCredentialProvider(CredentialProvider):
    """Hands the S3 client's session the job's credentials, and nothing else."""

    METHOD = "cpjobs-artifact-credentials"

    def __init__(self, credentials: _JobCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    async def load(self) -> _JobCredentials:
        return self._credentials


class _Progress:
    """Counts a transfer's bytes; logs progress of long ones at debug level."""

    def __init__(self, artifact: str, direction: TransferDirection) -> None:
        self.artifact = artifact
        self.direction = direction
        self.size = 0
        self.started = time.monotonic()
        self._next_report = self.started + _PROGRESS_EVERY

    def add(self, count: int) -> None:
        self.size += count
        now = time.monotonic()
        if now >= self._next_report:
            self._next_report = now + _PROGRESS_EVERY
            logger.debug(
                "%s %s: %.1f MiB in %.0f s",
                self.direction.value,
                self.artifact,
                self.size / _MIB,
                now - self.started,
            )


class ArtifactStore:
    """The job's input and output artifacts.

    Made from a job and the `JobsClient` that polled it::

        async with ArtifactStore(client, job) as artifacts:
            await artifacts.input().extract(workdir / "src")
            ...
            await artifacts.output().upload_directory(workdir / "out")

    A third-party job takes its client token, which refreshes credentials.
    The S3 client is created at the first transfer and closed by `aclose`
    (or the end of the ``async with`` block).

    Args:
        client: The client the job came from: its region, its endpoint if it
            is not AWS's, and the calls that refresh the credentials.
        job: The job, as polled or as its details.
        client_token: A third-party job's client token.
        config: Part size, multipart threshold and concurrency.
        on_event: Called with an `ArtifactTransferred` after each transfer.
        refresh_after: Seconds after which the artifact credentials are
            refreshed (they last about 15 minutes).
    """

    @overload
    def __init__(
        self,
        client: JobsClient,
        job: Job | JobDetails,
        *,
        config: TransferConfig | None = None,
        on_event: TransferListener | None = None,
        refresh_after: float = DEFAULT_REFRESH_AFTER,
    ) -> None: ...

    @overload
    def __init__(
        self,
        client: JobsClient,
        job: ThirdPartyJobDetails,
        *,
        client_token: str,
        config: TransferConfig | None = None,
        on_event: TransferListener | None = None,
        refresh_after: float = DEFAULT_REFRESH_AFTER,
    ) -> None: ...

    def __init__(
        self,
        client: JobsClient,
        job: Job | JobDetails | ThirdPartyJobDetails,
        *,
        client_token: str | None = None,
        config: TransferConfig | None = None,
        on_event: TransferListener | None = None,
        refresh_after: float = DEFAULT_REFRESH_AFTER,
    ) -> None:
        if job.id is None or job.data is None:
            msg = "the job has no id or no data: pass a polled job or its details"
            raise ValueError(msg)
        if isinstance(job, ThirdPartyJobDetails) and client_token is None:
            msg = "a third-party job's store needs its client_token"
            raise ValueError(msg)
        job_id = job.id

        async def details() -> JobData | ThirdPartyJobData | None:
            found: JobDetails | ThirdPartyJobDetails | None
            if client_token is None:
                found = (await client.get_job_details(job_id=job_id)).job_details
            else:
                found = (
                    await client.get_third_party_job_details(
                        job_id=job_id, client_token=client_token
                    )
                ).job_details
            return found.data if found is not None else None

        self._setup(
            _JobS3(
                client,
                job_id,
                job.data,
                details,
                config=config or TransferConfig(),
                on_event=on_event,
                refresh_after=refresh_after,
            ),
            job.data,
        )

    @classmethod
    def from_data(
        cls,
        client: JobsClient,
        job_id: str,
        data: JobData | ThirdPartyJobData,
        details: Callable[[], Awaitable[JobData | ThirdPartyJobData | None]],
        *,
        config: TransferConfig | None = None,
        on_event: TransferListener | None = None,
        refresh_after: float = DEFAULT_REFRESH_AFTER,
    ) -> ArtifactStore:
        """A store for a job's data, with fresh data (credentials) from ``details``.

        For a caller that fetches job details its own way (a worker retries
        them and keeps every credential it saw secret).
        """
        store = cls.__new__(cls)
        store._setup(
            _JobS3(
                client,
                job_id,
                data,
                details,
                config=config or TransferConfig(),
                on_event=on_event,
                refresh_after=refresh_after,
            ),
            data,
        )
        return store

    def _setup(self, s3: _JobS3, data: JobData | ThirdPartyJobData) -> None:
        self.job_id: str = s3.job_id
        self._data = data
        self._s3 = s3

    def __repr__(self) -> str:
        return f"<ArtifactStore job_id={self.job_id!r}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the S3 client; the store takes no transfer after this."""
        await self._s3.aclose()

    # --- the artifacts --------------------------------------------------------

    @property
    def encryption_key(self) -> EncryptionKey | None:
        """The KMS key every upload is encrypted with, if the job has one."""
        return self._data.encryption_key

    @property
    def config(self) -> TransferConfig:
        """How transfers are made."""
        return self._s3.config

    @property
    def inputs(self) -> tuple[InputArtifact, ...]:
        """The job's input artifacts, in the job's order."""
        return tuple(
            InputArtifact(self._s3, name, location)
            for name, location in _located(self._data.input_artifacts)
        )

    @property
    def outputs(self) -> tuple[OutputArtifact, ...]:
        """The job's output artifacts, in the job's order."""
        return tuple(
            OutputArtifact(self._s3, name, location)
            for name, location in _located(self._data.output_artifacts)
        )

    def input(self, name: str | None = None) -> InputArtifact:
        """The input artifact called ``name``; without a name, the only one.

        Raises:
            ArtifactNotFound: The job has no such input (or, without a name,
                not exactly one).
        """
        return _pick(self.inputs, name, "input")

    def output(self, name: str | None = None) -> OutputArtifact:
        """The output artifact called ``name``; without a name, the only one.

        Raises:
            ArtifactNotFound: The job has no such output (or, without a name,
                not exactly one).
        """
        return _pick(self.outputs, name, "output")


class _JobS3:
    """The job's S3 client and credentials, and S3's errors made artifact errors."""

    def __init__(
        self,
        client: JobsClient,
        job_id: str,
        data: JobData | ThirdPartyJobData,
        details: Callable[[], Awaitable[JobData | ThirdPartyJobData | None]],
        *,
        config: TransferConfig,
        on_event: TransferListener | None,
        refresh_after: float,
    ) -> None:
        self.job_id = job_id
        self.config = config
        self.encryption_key = data.encryption_key
        self._first_credentials = data.artifact_credentials
        self._client = client
        self._details = details
        self._on_event = on_event
        self._refresh_after = refresh_after
        self._credentials: _JobCredentials | None = None
        self._secrets: set[str] = set()
        self._remember(data.artifact_credentials)
        self._s3: S3Client | None = None
        self._opening = asyncio.Lock()
        self._exit_stack = contextlib.AsyncExitStack()
        self._closed = False

    def __repr__(self) -> str:
        return f"<_JobS3 job_id={self.job_id!r}>"

    async def aclose(self) -> None:
        self._closed = True
        self._s3 = None
        await self._exit_stack.aclose()

    def _remember(self, credentials: AWSSessionCredentials | None) -> None:
        if credentials is not None:
            self._secrets.update(
                (
                    credentials.access_key_id,
                    credentials.secret_access_key,
                    credentials.session_token,
                )
            )

    async def _fetch_credentials(self) -> AWSSessionCredentials:
        data = await self._details()
        credentials = data.artifact_credentials if data is not None else None
        if credentials is None:
            msg = f"job {self.job_id}: its details carry no artifact credentials"
            raise ArtifactError("", msg)
        self._remember(credentials)
        return credentials

    def parallel(self) -> bool:
        """Whether large files move in concurrent parts (see `TransferConfig`)."""
        if self.config.parallel is not None:
            return self.config.parallel
        return _custom_endpoint(self._client) is None

    async def client(self) -> tuple[S3Client, _JobCredentials]:
        async with self._opening:
            if self._closed:
                msg = "the artifact store is closed"
                raise ClientNotOpen(msg)
            if self._s3 is None or self._credentials is None:
                first = self._first_credentials
                if first is None:
                    first = await self._fetch_credentials()
                credentials = _JobCredentials(
                    first,
                    self._fetch_credentials,
                    refresh_after=self._refresh_after,
                    clock=time.monotonic,
                )
                # The S3 model is large: parse it once, not once per job.
                session = session_sharing_models()
                session.register_component(
                    "credential_provider",
                    AioCredentialResolver([_JobCredentialProvider(credentials)]),
                )
                raw = self._client.raw
                endpoint_url = _custom_endpoint(self._client)
                creator = session.create_client(  # pyright: ignore[reportUnknownMemberType]
                    "s3",
                    region_name=raw.meta.region_name,
                    endpoint_url=endpoint_url,
                    config=_s3_config(endpoint_url, self.config.max_concurrency),
                )
                self._s3 = await self._exit_stack.enter_async_context(creator)
                self._credentials = credentials
            return self._s3, self._credentials

    async def call(
        self,
        artifact: str,
        operation: str,
        call: Callable[[S3Client], Awaitable[T]],
    ) -> T:
        """Make an S3 call; once more with fresh credentials if they expired."""
        s3, credentials = await self.client()
        retried = False
        while True:
            generation = credentials.generation
            try:
                return await call(s3)
            except ClientError as error:
                code = _code(error)
                if code in _EXPIRED_CODES and not retried:
                    logger.info(
                        "%s %s: artifact credentials expired; refreshing",
                        operation,
                        artifact,
                    )
                    credentials.expire(generation)
                    retried = True
                    continue
                raise self.translate(artifact, operation, error) from error
            except BotoCoreError as error:
                raise self.transport_error(artifact, operation, error) from error

    def translate(
        self, artifact: str, operation: str, error: ClientError
    ) -> ArtifactError:
        code = _code(error)
        response: Any = error.response
        message = self._scrub(str(response.get("Error", {}).get("Message", "")))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        reason = f"{code}: {message}" if message else code
        if code in _NOT_FOUND_CODES:
            return ArtifactNotFound(artifact, f"{operation}: {reason}")
        if code in _EXPIRED_CODES:
            return ArtifactAccessDenied(artifact, reason, retryable=True)
        if code in _DENIED_CODES:
            return ArtifactAccessDenied(artifact, reason)
        retryable = code in _TRANSIENT_CODES or (status is not None and status >= 500)
        return ArtifactError(artifact, f"{operation}: {reason}", retryable=retryable)

    def transport_error(
        self, artifact: str, operation: str, error: BotoCoreError
    ) -> ArtifactError:
        return ArtifactError(
            artifact, f"{operation}: {self._scrub(str(error))}", retryable=True
        )

    def _scrub(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text

    def finished(self, progress: _Progress) -> None:
        seconds = time.monotonic() - progress.started
        logger.info(
            "%s %s: %.1f MiB in %.2f s",
            "downloaded"
            if progress.direction is TransferDirection.DOWNLOAD
            else "uploaded",
            progress.artifact,
            progress.size / _MIB,
            seconds,
            extra={"job_id": self.job_id, "artifact": progress.artifact},
        )
        if self._on_event is not None:
            self._on_event(
                ArtifactTransferred(
                    job_id=self.job_id,
                    artifact=progress.artifact,
                    direction=progress.direction,
                    size=progress.size,
                    seconds=seconds,
                )
            )


def _s3_config(endpoint_url: str | None, max_concurrency: int) -> AioConfig:
    """SigV4; over plain HTTP, no CRC32 on uploads: the signed SHA-256 covers them.

    botocore signs the payload's SHA-256 on every request that is not HTTPS
    (an emulator on loopback): S3 checks it, so a CRC32 as well would only be
    a second pass over the file, on the event loop. Over HTTPS the defaults
    stay: a CRC32 checksum and an unsigned payload.
    """
    plain_http = endpoint_url is not None and endpoint_url.startswith("http://")
    return AioConfig(
        signature_version="s3v4",
        max_pool_connections=max(10, max_concurrency),
        request_checksum_calculation="when_required" if plain_http else None,
    )


def _code(error: ClientError) -> str:
    response: Any = error.response
    return str(response.get("Error", {}).get("Code", "Unknown"))


def _custom_endpoint(client: JobsClient) -> str | None:
    """The JobsClient's endpoint if it is not AWS's own (an emulator, a proxy)."""
    endpoint: str = client.raw.meta.endpoint_url
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    return None if host.endswith(_AWS_DOMAINS) else endpoint


def _located(
    artifacts: tuple[Artifact, ...] | None,
) -> list[tuple[str, S3ArtifactLocation | None]]:
    return [
        (
            artifact.name or "",
            artifact.location.s3_location if artifact.location is not None else None,
        )
        for artifact in artifacts or ()
    ]


_HandleT = TypeVar("_HandleT", "InputArtifact", "OutputArtifact")


def _pick(handles: tuple[_HandleT, ...], name: str | None, kind: str) -> _HandleT:
    names = [handle.name for handle in handles]
    if name is None:
        if len(handles) == 1:
            return handles[0]
        raise ArtifactNotFound(
            "", f"the job has {len(handles)} {kind} artifacts {names}: name one"
        )
    for handle in handles:
        if handle.name == name:
            return handle
    raise ArtifactNotFound(name, f"the job has no {kind} artifact of that name {names}")


class _Artifact:
    __slots__ = ("_location", "_store", "name")

    def __init__(
        self, store: _JobS3, name: str, location: S3ArtifactLocation | None
    ) -> None:
        self._store = store
        self.name = name
        self._location = location

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def location(self) -> S3ArtifactLocation:
        """Where the artifact lives in S3."""
        if self._location is None:
            raise ArtifactNotFound(self.name, "the job gives it no S3 location")
        return self._location


class InputArtifact(_Artifact):
    """An input artifact: download it to a directory or a file, or stream it."""

    __slots__ = ()

    async def extract(
        self,
        directory: str | os.PathLike[str],
        *,
        policy: ExtractionPolicy | None = None,
    ) -> Path:
        """Download and extract the archive into ``directory`` (absent or empty).

        The format (zip, tar, tar.gz) is read from the bytes, then the
        Content-Type. Nothing is left in ``directory`` if the archive is
        refused or corrupt.

        Raises:
            UnsafeArchive: An entry breaks a rule of ``policy``.
            BadArchive: Not a zip, tar or tar.gz archive, or corrupt.
        """
        destination = Path(directory)
        await asyncio.to_thread(destination.parent.mkdir, parents=True, exist_ok=True)
        scratch = Path(
            await asyncio.to_thread(
                tempfile.mkdtemp, prefix=".cpjobs-download-", dir=destination.parent
            )
        )
        try:
            archive = scratch / "artifact"
            content_type = await self._download(archive)
            head = await asyncio.to_thread(_read_head, archive)
            archive_format = detect_format(head, content_type)
            if archive_format is None:
                raise BadArchive(
                    self.name,
                    f"not a zip, tar or tar.gz archive (Content-Type {content_type!r})",
                )
            await asyncio.to_thread(
                extract_archive,
                archive,
                destination,
                archive_format,
                policy or ExtractionPolicy(),
                artifact=self.name,
            )
        finally:
            await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)
        return destination

    async def download(self, file: str | os.PathLike[str]) -> Path:
        """Download the artifact as stored into ``file`` (replaced if it exists)."""
        path = Path(file)
        await self._download(path)
        return path

    @contextlib.asynccontextmanager
    async def stream(self) -> AsyncGenerator[AsyncIterator[bytes], None]:
        """The artifact's bytes as they arrive.

        ::

            async with artifact.stream() as chunks:
                async for chunk in chunks:
                    ...
        """
        store, location = self._store, self.location
        response = await store.call(
            self.name,
            "GetObject",
            lambda s3: s3.get_object(
                Bucket=location.bucket_name, Key=location.object_key
            ),
        )
        progress = _Progress(self.name, TransferDirection.DOWNLOAD)

        async def chunks() -> AsyncGenerator[bytes, None]:
            try:
                async for chunk in response["Body"].iter_chunks(_BLOCK):
                    progress.add(len(chunk))
                    yield chunk
            except BotoCoreError as error:
                raise store.transport_error(self.name, "GetObject", error) from error

        body = chunks()
        try:
            yield body
        finally:
            await body.aclose()
            async with response["Body"]:
                pass  # releases the connection
        store.finished(progress)

    async def _download(self, path: Path) -> str | None:
        """Download into ``path``; return the object's Content-Type."""
        store, location, config = self._store, self.location, self._store.config
        progress = _Progress(self.name, TransferDirection.DOWNLOAD)
        ranged = store.parallel()
        first_range: dict[str, Any] = (
            {"Range": f"bytes=0-{config.part_size - 1}"} if ranged else {}
        )
        try:
            response = await store.call(
                self.name,
                "GetObject",
                lambda s3: s3.get_object(
                    Bucket=location.bucket_name, Key=location.object_key, **first_range
                ),
            )
        except ArtifactError as error:
            if not ranged or "InvalidRange" not in str(error):
                raise
            # An empty object has no byte 0: ask for it whole.
            ranged, first_range = False, {}
            response = await store.call(
                self.name,
                "GetObject",
                lambda s3: s3.get_object(
                    Bucket=location.bucket_name, Key=location.object_key
                ),
            )
        total = _total_size(response) if ranged else None
        descriptor = await asyncio.to_thread(
            os.open, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644
        )
        try:
            await self._write_body(response, descriptor, 0, progress)
            if total is not None and total > config.part_size:
                await self._ranges(descriptor, total, response.get("ETag"), progress)
        except BaseException:
            await asyncio.to_thread(_close_and_remove, descriptor, path)
            raise
        await asyncio.to_thread(os.close, descriptor)
        store.finished(progress)
        return response.get("ContentType")

    async def _ranges(
        self, descriptor: int, total: int, etag: str | None, progress: _Progress
    ) -> None:
        store, location, config = self._store, self.location, self._store.config
        starts = iter(range(config.part_size, total, config.part_size))
        if_match: dict[str, Any] = {"IfMatch": etag} if etag else {}

        async def part(start: int) -> None:
            end = min(start + config.part_size, total) - 1
            response = await store.call(
                self.name,
                "GetObject",
                lambda s3: s3.get_object(
                    Bucket=location.bucket_name,
                    Key=location.object_key,
                    Range=f"bytes={start}-{end}",
                    **if_match,
                ),
            )
            await self._write_body(response, descriptor, start, progress)

        async def next_part() -> Coroutine[Any, Any, None] | None:
            start = next(starts, None)
            return None if start is None else part(start)

        await _bounded(next_part, config.max_concurrency)

    async def _write_body(
        self, response: Any, descriptor: int, offset: int, progress: _Progress
    ) -> None:
        """Write a GET's body at ``offset``, a block at a time, off the loop.

        One block is written in a thread while the next is received; the
        chunks go to ``pwritev`` as they came, without being joined.
        """
        chunks: list[bytes] = []
        pending = 0
        writing: asyncio.Future[None] | None = None

        async def flush() -> None:
            nonlocal chunks, pending, offset, writing
            if writing is not None:
                await asyncio.shield(writing)
            block, size, at = chunks, pending, offset
            chunks, pending, offset = [], 0, offset + pending
            writing = asyncio.ensure_future(
                asyncio.to_thread(_write_at, descriptor, block, at)
            )
            progress.add(size)

        body = response["Body"]
        try:
            async with body:
                async for chunk in body.iter_chunks(_BLOCK):
                    chunks.append(chunk)
                    pending += len(chunk)
                    if pending >= _BLOCK:
                        await flush()
            if chunks:
                await flush()
            if writing is not None:
                await asyncio.shield(writing)
        except BotoCoreError as error:
            raise self._store.transport_error(self.name, "GetObject", error) from error
        finally:
            if writing is not None and not writing.done():
                # The thread cannot be stopped: let it end before the file closes.
                await asyncio.wait([writing])
            if writing is not None and not writing.cancelled():
                writing.exception()  # retrieved: the error raised is the first


class OutputArtifact(_Artifact):
    """An output artifact: upload a directory (zipped), a file or a byte stream.

    Uploads are encrypted with the job's KMS key when it has one. A failed
    upload raises: a handler that lets it propagate never reports success.
    """

    __slots__ = ()

    async def upload_directory(
        self,
        directory: str | os.PathLike[str],
        *,
        archive_format: ArchiveFormat = ArchiveFormat.ZIP,
    ) -> int:
        """Pack ``directory`` (zip by default: downstream actions expect it) and upload it.

        Returns:
            The archive's size in bytes.
        """
        scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="cpjobs-"))
        try:
            archive = scratch / f"artifact.{archive_format.value}"
            await asyncio.to_thread(
                pack_directory,
                Path(directory),
                archive,
                archive_format,
                artifact=self.name,
            )
            return await self.upload_file(
                archive, content_type=archive_format.content_type
            )
        finally:
            await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)

    async def upload_file(
        self, file: str | os.PathLike[str], *, content_type: str | None = None
    ) -> int:
        """Upload ``file`` as it is; return its size in bytes."""
        path = Path(file)
        config = self._store.config
        size = (await asyncio.to_thread(path.stat)).st_size
        in_parts = size > _MAX_PART or (
            size > config.multipart_threshold and self._store.parallel()
        )
        part_size = _part_size_for(size, config.part_size) if in_parts else max(size, 1)
        descriptor = await asyncio.to_thread(os.open, path, os.O_RDONLY)
        try:

            async def parts() -> AsyncGenerator[_FilePart, None]:
                for start in range(0, max(size, 1), part_size):
                    yield _FilePart(descriptor, start, min(part_size, size - start))

            return await self._upload(parts(), content_type)
        finally:
            await asyncio.to_thread(os.close, descriptor)

    async def upload_stream(
        self, chunks: AsyncIterable[bytes], *, content_type: str | None = None
    ) -> int:
        """Upload the bytes ``chunks`` yields; return how many there were."""
        part_size = self._store.config.part_size

        async def parts() -> AsyncGenerator[io.BytesIO, None]:
            part, sent = io.BytesIO(), False
            async for chunk in chunks:
                view = memoryview(chunk)
                while len(view) > part_size - part.tell():
                    room = part_size - part.tell()
                    part.write(view[:room])
                    view = view[room:]
                    yield _rewound(part)
                    part, sent = io.BytesIO(), True
                part.write(view)
            if part.tell() or not sent:
                yield _rewound(part)

        return await self._upload(parts(), content_type)

    def _put_arguments(self, content_type: str | None) -> dict[str, Any]:
        location = self.location
        arguments: dict[str, Any] = {
            "Bucket": location.bucket_name,
            "Key": location.object_key,
        }
        if content_type is not None:
            arguments["ContentType"] = content_type
        key = self._store.encryption_key
        if key is not None:
            arguments["ServerSideEncryption"] = "aws:kms"
            arguments["SSEKMSKeyId"] = key.id
        return arguments

    async def _upload(
        self, parts: AsyncGenerator[_Body, None], content_type: str | None
    ) -> int:
        """One PutObject for a single part, else a multipart upload."""
        store = self._store
        progress = _Progress(self.name, TransferDirection.UPLOAD)
        arguments = self._put_arguments(content_type)
        try:
            first = await anext(parts, None) or io.BytesIO()
            second = await anext(parts, None)
            if second is None:
                await store.call(
                    self.name,
                    "PutObject",
                    lambda s3: s3.put_object(Body=_io(first), **arguments),
                )
                progress.add(_size(first))
            else:
                await self._multipart(first, second, parts, arguments, progress)
        finally:
            await parts.aclose()
        store.finished(progress)
        return progress.size

    async def _multipart(
        self,
        first: _Body,
        second: _Body,
        rest: AsyncIterator[_Body],
        arguments: dict[str, Any],
        progress: _Progress,
    ) -> None:
        store = self._store
        created = await store.call(
            self.name,
            "CreateMultipartUpload",
            lambda s3: s3.create_multipart_upload(**arguments),
        )
        upload_id = created["UploadId"]
        target: dict[str, Any] = {
            "Bucket": arguments["Bucket"],
            "Key": arguments["Key"],
        }
        completed: dict[int, Any] = {}
        queued = [first, second]
        numbers = iter(range(1, _MAX_PARTS + 1))

        async def send(number: int, body: _Body) -> None:
            answer = await store.call(
                self.name,
                "UploadPart",
                lambda s3: s3.upload_part(
                    **target, UploadId=upload_id, PartNumber=number, Body=_io(body)
                ),
            )
            completed[number] = {"ETag": answer["ETag"], "PartNumber": number}
            progress.add(_size(body))

        async def next_part() -> Coroutine[Any, Any, None] | None:
            body = queued.pop(0) if queued else await anext(rest, None)
            if body is None:
                return None
            number = next(numbers, None)
            if number is None:
                raise ArtifactError(
                    self.name, f"more than {_MAX_PARTS} parts: raise the part size"
                )
            return send(number, body)

        try:
            await _bounded(next_part, store.config.max_concurrency)
            await store.call(
                self.name,
                "CompleteMultipartUpload",
                lambda s3: s3.complete_multipart_upload(
                    **target,
                    UploadId=upload_id,
                    MultipartUpload={
                        "Parts": [completed[n] for n in sorted(completed)]
                    },
                ),
            )
        except BaseException:
            await self._abort(target, upload_id)
            raise

    async def _abort(self, target: dict[str, Any], upload_id: str) -> None:
        """Abort a multipart upload that failed; its parts would cost storage."""
        try:
            await self._store.call(
                self.name,
                "AbortMultipartUpload",
                lambda s3: s3.abort_multipart_upload(**target, UploadId=upload_id),
            )
        except ArtifactError as error:
            logger.warning(
                "could not abort the multipart upload of %s: %s", self.name, error
            )


async def _bounded(
    next_job: Callable[[], Awaitable[Coroutine[Any, Any, None] | None]], limit: int
) -> None:
    """Run the jobs ``next_job`` hands out, at most ``limit`` at once.

    The next job is asked for only when a slot is free, so what jobs hold
    (a part's bytes) stays bounded. The first failure cancels the others and
    is raised once they ended.
    """
    running: set[asyncio.Task[None]] = set()
    try:
        while True:
            while len(running) >= limit:
                await _reap(running)
            job = await next_job()
            if job is None:
                break
            running.add(asyncio.ensure_future(job))
        while running:
            await _reap(running)
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)


async def _reap(running: set[asyncio.Task[None]]) -> None:
    done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    running.difference_update(done)
    for task in done:
        task.result()


def _part_size_for(size: int, part_size: int) -> int:
    """``part_size``, or larger if the object needs more than 10 000 parts."""
    return max(part_size, -(-size // _MAX_PARTS))


def _total_size(response: Any) -> int | None:
    """The object's size from a ranged GET's ``Content-Range: bytes a-b/total``."""
    content_range = response.get("ContentRange")
    if not content_range or "/" not in content_range:
        return None
    total = content_range.rsplit("/", 1)[1]
    return int(total) if total.isdigit() else None


class _FilePart(io.RawIOBase):
    """A part of an open file, read with ``pread``: a request body of its own.

    Parts of one file share its descriptor; each keeps its own position.
    aiohttp reads file bodies in its executor, so the part's bytes go from
    the page cache to the socket a block at a time, never all in memory.
    """

    def __init__(self, descriptor: int, start: int, size: int) -> None:
        super().__init__()
        self._descriptor = descriptor
        self._start = start
        self._size = size
        self._position = 0

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}
        self._position = min(max(base[whence] + offset, 0), self._size)
        return self._position

    def read(self, size: int = -1) -> bytes:
        wanted = self._size - self._position
        if size >= 0:
            wanted = min(size, wanted)
        if wanted <= 0:
            return b""
        data = os.pread(self._descriptor, wanted, self._start + self._position)
        self._position += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as view:
            wanted = min(len(view), self._size - self._position)
            if wanted <= 0:
                return 0
            data = os.pread(self._descriptor, wanted, self._start + self._position)
            view[: len(data)] = data
        self._position += len(data)
        return len(data)


_Body = _FilePart | io.BytesIO


def _size(body: _Body) -> int:
    return len(body) if isinstance(body, _FilePart) else body.getbuffer().nbytes


def _io(body: _Body) -> IO[bytes]:
    """A body as botocore's types see it: what `_FilePart` implements of IO."""
    return cast("IO[bytes]", body)


def _rewound(part: io.BytesIO) -> io.BytesIO:
    part.seek(0)
    return part


def _read_head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_SIZE)


def _write_at(descriptor: int, chunks: list[bytes], offset: int) -> None:
    """Write ``chunks`` one after the other at ``offset``, whatever short writes."""
    while chunks:
        written = os.pwritev(descriptor, chunks, offset)
        offset += written
        while chunks and written >= len(chunks[0]):
            written -= len(chunks.pop(0))
        if written:
            chunks[0] = chunks[0][written:]


def _close_and_remove(descriptor: int, path: Path) -> None:
    os.close(descriptor)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
