"""The artifact bucket's rules, as WSGI middleware in front of moto's S3.

moto's S3 accepts any credentials for anything. CodePipeline does not: each
job's artifact credentials are temporary and scoped to that job (read its
input artifacts, write its output artifacts), and the default artifact
bucket's policy denies uploads without SSE-KMS when the pipeline has a key.
`ArtifactAccess` hands out and remembers such credentials; `ArtifactGuard`
checks every request to the artifact bucket against them and answers as S3
does (``ExpiredToken``, ``InvalidToken``, ``AccessDenied``) before moto sees it.

Only the access key id and session token of a request are read, from its
SigV4 or SigV2 ``Authorization`` header or from a presigned URL's query;
signatures are not verified (moto does not verify them either).
"""

from __future__ import annotations

import secrets
import string
import threading
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, unquote

import attrs

from .._models import AWSSessionCredentials

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "DEFAULT_CREDENTIALS_LIFETIME",
    "ArtifactAccess",
    "ArtifactGrant",
    "ArtifactGuard",
]

#: Seconds artifact credentials stay valid (CodePipeline's are about 15 minutes).
DEFAULT_CREDENTIALS_LIFETIME: Final = 900.0
_KEY_ALPHABET: Final = string.ascii_uppercase + string.digits
#: Query parameters of object operations that need more than read or write.
_OTHER_OBJECT_OPERATIONS: Final = frozenset(
    {"acl", "tagging", "retention", "legal-hold", "restore", "select", "torrent"}
)


def _key_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


@attrs.frozen(kw_only=True)
class ArtifactGrant:
    """What one set of artifact credentials may do, and until when."""

    access_key_id: str = attrs.field(repr=False)
    session_token: str = attrs.field(repr=False)
    job_id: str
    #: Object keys in the artifact bucket these credentials may read.
    readable: frozenset[str]
    #: Object keys in the artifact bucket these credentials may write.
    writable: frozenset[str]
    #: Whether uploads must ask for SSE-KMS (the job has an encryption key).
    encrypted: bool
    #: When they expire, on the emulator's clock.
    expires_at: float


class ArtifactAccess:
    """The artifact credentials handed out, and who else may use the bucket.

    Args:
        bucket: The artifact bucket's name.
        clock: The emulator's clock, in seconds.
        strict: Refuse credentials other than a job's on the bucket.
    """

    def __init__(
        self, bucket: str, clock: Callable[[], float], *, strict: bool = True
    ) -> None:
        self.bucket = bucket
        self._clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, ArtifactGrant] = {}
        #: The emulator's own key: it creates the bucket and puts the inputs.
        self.owner_key_id = _key_id("AKIA")
        self.lifetime = DEFAULT_CREDENTIALS_LIFETIME
        self._strict_by_default = strict
        #: Whether credentials other than a job's are refused on the bucket.
        self.strict = strict

    def issue(
        self,
        job_id: str,
        *,
        readable: Iterable[str],
        writable: Iterable[str],
        encrypted: bool,
    ) -> AWSSessionCredentials:
        """Fresh credentials for one job's artifacts, valid for `lifetime` seconds."""
        credentials = AWSSessionCredentials(
            access_key_id=_key_id("ASIA"),
            secret_access_key=secrets.token_urlsafe(30),
            session_token=secrets.token_urlsafe(96),
        )
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            self._grants[credentials.access_key_id] = ArtifactGrant(
                access_key_id=credentials.access_key_id,
                session_token=credentials.session_token,
                job_id=job_id,
                readable=frozenset(readable),
                writable=frozenset(writable),
                encrypted=encrypted,
                expires_at=now + self.lifetime,
            )
        return credentials

    def grant(self, access_key_id: str) -> ArtifactGrant | None:
        """The grant of job credentials with this key id, expired or not."""
        with self._lock:
            return self._grants.get(access_key_id)

    def now(self) -> float:
        """The emulator's time."""
        return self._clock()

    def reset(self) -> None:
        """Forget every grant; restore the lifetime and strictness."""
        with self._lock:
            self._grants.clear()
            self.lifetime = DEFAULT_CREDENTIALS_LIFETIME
            self.strict = self._strict_by_default

    def _forget_expired(self, now: float) -> None:
        # Kept a while after expiry so that their use answers ExpiredToken.
        cutoff = now - 24 * 3600
        for key_id in [k for k, g in self._grants.items() if g.expires_at < cutoff]:
            del self._grants[key_id]


@attrs.frozen
class _Denial:
    code: str
    message: str
    status: int


_EXPIRED: Final = _Denial("ExpiredToken", "The provided token has expired.", 400)
_INVALID_TOKEN: Final = _Denial(
    "InvalidToken", "The provided token is malformed or otherwise invalid.", 400
)
_DENIED: Final = _Denial("AccessDenied", "Access Denied", 403)


@attrs.frozen(kw_only=True)
class _S3Request:
    """What the guard needs to know of a request to the artifact bucket."""

    method: str
    key: str
    query: dict[str, list[str]] = attrs.field(repr=False)  # may hold a token
    access_key_id: str | None = attrs.field(repr=False)
    session_token: str | None = attrs.field(repr=False)
    encryption: str | None
    copy_source: str | None


class ArtifactGuard:
    """A WSGI app: requests to the artifact bucket checked, then passed to moto."""

    def __init__(self, access: ArtifactAccess, moto_app: WSGIApplication) -> None:
        self._access = access
        self._moto_app = moto_app

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        request = self._artifact_request(environ)
        if request is not None:
            denial = self._check(request)
            if denial is not None:
                return _deny(environ, start_response, denial)
        return self._moto_app(environ, start_response)

    def _artifact_request(self, environ: WSGIEnvironment) -> _S3Request | None:
        """Parse a request addressed to the artifact bucket; ``None`` for others."""
        bucket = self._access.bucket
        host = str(environ.get("HTTP_HOST", "")).split(":")[0].lower()
        path = unquote(str(environ.get("PATH_INFO", "")))
        if host.startswith(f"{bucket}."):  # virtual-hosted style
            key = path.lstrip("/")
        elif path == f"/{bucket}" or path.startswith(f"/{bucket}/"):  # path style
            key = path[len(bucket) + 2 :]
        else:
            return None
        query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        access_key_id, session_token = _credentials(environ, query)
        return _S3Request(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            key=key,
            query=query,
            access_key_id=access_key_id,
            session_token=session_token,
            encryption=environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION"),
            copy_source=environ.get("HTTP_X_AMZ_COPY_SOURCE"),
        )

    def _check(self, request: _S3Request) -> _Denial | None:
        """Why the request is refused, or ``None`` if it may go on."""
        if request.access_key_id == self._access.owner_key_id:
            return None
        grant = (
            None
            if request.access_key_id is None
            else self._access.grant(request.access_key_id)
        )
        if grant is None:
            return _DENIED if self._access.strict else None
        if request.session_token is None or not secrets.compare_digest(
            request.session_token, grant.session_token
        ):
            return _INVALID_TOKEN
        if self._access.now() >= grant.expires_at:
            return _EXPIRED
        return _scope_denial(request, grant, self._access.bucket)


def _scope_denial(
    request: _S3Request, grant: ArtifactGrant, bucket: str
) -> _Denial | None:
    """Check one request of job credentials against the job's artifacts."""
    query, key = request.query, request.key
    if not key or _OTHER_OBJECT_OPERATIONS.intersection(query):
        return _DENIED  # bucket operations, tags, ACLs: not granted
    if request.method in ("GET", "HEAD") and "uploadId" not in query:
        return None if key in grant.readable else _DENIED
    uploads = request.method == "POST" and "uploads" in query
    put_object = request.method == "PUT" and "uploadId" not in query
    if request.method == "DELETE" and "uploadId" not in query:
        return _DENIED  # DeleteObject is not granted; AbortMultipartUpload is
    if request.method == "POST" and not uploads and "uploadId" not in query:
        return _DENIED
    if key not in grant.writable:
        return _DENIED
    if (uploads or put_object) and grant.encrypted and request.encryption != "aws:kms":
        return _DENIED  # the bucket policy: uploads must ask for SSE-KMS
    if put_object and request.copy_source is not None:
        source = unquote(request.copy_source.split("?")[0]).lstrip("/")
        if source.removeprefix(f"{bucket}/") not in grant.readable:
            return _DENIED
    return None


def _credentials(
    environ: WSGIEnvironment, query: dict[str, list[str]]
) -> tuple[str | None, str | None]:
    """The access key id and session token a request is signed with."""
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or _first(
        query, "X-Amz-Security-Token"
    )
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    if authorization.startswith("AWS4-"):
        for part in authorization.split(" ", 1)[-1].split(","):
            name, _, value = part.strip().partition("=")
            if name == "Credential":
                return value.split("/")[0], token
    elif authorization.startswith("AWS "):
        return authorization[4:].split(":")[0], token
    credential = _first(query, "X-Amz-Credential")
    if credential is not None:
        return credential.split("/")[0], token
    return _first(query, "AWSAccessKeyId"), token


def _first(query: dict[str, list[str]], name: str) -> str | None:
    """A query parameter's first value; names compare case-insensitively."""
    wanted = name.lower()
    for key, values in query.items():
        if key.lower() == wanted and values:
            return values[0]
    return None


def _deny(
    environ: WSGIEnvironment, start_response: StartResponse, denial: _Denial
) -> Iterable[bytes]:
    """Answer as S3 does: an XML error document (no body for HEAD)."""
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{denial.code}</Code><Message>{denial.message}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
    ).encode()
    if environ.get("REQUEST_METHOD", "").upper() == "HEAD":
        body = b""
    start_response(
        f"{denial.status} {HTTPStatus(denial.status).phrase}",
        [
            ("Content-Type", "application/xml"),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]
