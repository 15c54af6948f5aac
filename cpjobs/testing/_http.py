"""The JSON protocol in front of `JobService`, as WSGI middleware around moto.

CodePipeline speaks AWS's JSON 1.1 protocol: ``POST /`` with the operation in
the ``X-Amz-Target: CodePipeline_20150709.<Operation>`` header and the request
as a JSON body; errors are HTTP 4xx/5xx with ``{"__type": code, "message":
...}``. The middleware answers the job-worker operations itself, applies the
injected faults and latencies to any CodePipeline operation, and hands every
other request (S3, STS, KMS, moto's own CodePipeline pipelines) to moto.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from ._service import JobService, ServiceFault

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["TARGET_PREFIX", "Faults", "JobsMiddleware", "read_body", "respond"]

TARGET_PREFIX: Final = "CodePipeline_20150709."
_CONTENT_TYPE: Final = "application/x-amz-json-1.1"
_ABANDONED: Final = ServiceFault(
    "ServiceUnavailableException", "The emulator was reset during the delay", 503
)


@attrs.define
class _Pending:
    remaining: int
    fault: ServiceFault | None = None
    seconds: float = 0.0


class Faults:
    """Faults and latencies waiting for the next calls of each operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, deque[_Pending]] = {}
        self._latencies: dict[str, deque[_Pending]] = {}
        #: Set (and replaced) by `clear`: cuts the delays under way short.
        self._cleared = threading.Event()
        self._calls: Counter[str] = Counter()

    def add_fault(self, operation: str, fault: ServiceFault, count: int) -> None:
        """Fail the next ``count`` calls of ``operation`` with ``fault``."""
        with self._lock:
            self._faults.setdefault(operation, deque()).append(
                _Pending(count, fault=fault)
            )

    def add_latency(self, operation: str, seconds: float, count: int) -> None:
        """Delay the next ``count`` calls of ``operation`` by ``seconds``."""
        with self._lock:
            self._latencies.setdefault(operation, deque()).append(
                _Pending(count, seconds=seconds)
            )

    def clear(self) -> None:
        """Drop everything still pending, and end the delays under way."""
        with self._lock:
            self._faults.clear()
            self._latencies.clear()
            self._calls.clear()
            self._cleared.set()
            self._cleared = threading.Event()

    def take(self, operation: str) -> ServiceFault | None:
        """Use up the latency and fault due for one call of ``operation``.

        The latency is waited out here. A call whose delay `clear` cut short
        fails with ``ServiceUnavailableException`` and changes nothing: it
        belongs to a test (or a server) that has ended.
        """
        with self._lock:
            self._calls[operation] += 1
            latency = self._take(self._latencies, operation)
            fault = self._take(self._faults, operation)
            cleared = self._cleared
        if latency is not None and cleared.wait(latency.seconds):
            return _ABANDONED
        return None if fault is None else fault.fault

    def calls(self, operation: str) -> int:
        """How many calls of ``operation`` arrived since the last `clear`."""
        with self._lock:
            return self._calls[operation]

    @staticmethod
    def _take(pending: dict[str, deque[_Pending]], operation: str) -> _Pending | None:
        queue = pending.get(operation)
        if not queue:
            return None
        first = queue[0]
        first.remaining -= 1
        if first.remaining <= 0:
            queue.popleft()
        return first


class JobsMiddleware:
    """A WSGI app: CodePipeline's job operations here, everything else to moto."""

    def __init__(
        self,
        service: JobService,
        faults: Faults,
        moto_app: WSGIApplication,
    ) -> None:
        self._service = service
        self._faults = faults
        self._moto_app = moto_app
        self._in_flight = 0
        self._idle = threading.Condition()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no CodePipeline call is being answered; whether none is."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(TARGET_PREFIX):
            return self._moto_app(environ, start_response)
        with self._idle:
            self._in_flight += 1
        try:
            return self._answer(target[len(TARGET_PREFIX) :], environ, start_response)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _answer(
        self, operation: str, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        fault = self._faults.take(operation)
        if fault is not None:
            read_body(environ)  # leave a kept-alive connection ready for the next
            return self._error(start_response, fault)
        if operation not in self._service.operations:
            return self._moto_app(environ, start_response)
        try:
            params = self._params(read_body(environ))
            body = self._service.call(operation, params)
        except ServiceFault as error:
            return self._error(start_response, error)
        return respond(start_response, HTTPStatus.OK.value, body)

    @staticmethod
    def _params(raw: bytes) -> dict[str, Any]:
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            raise ServiceFault(
                "SerializationException", "The request body is not valid JSON"
            ) from None
        if not isinstance(params, dict):
            raise ServiceFault(
                "SerializationException", "The request body is not a JSON object"
            )
        return cast("dict[str, Any]", params)

    def _error(
        self, start_response: StartResponse, error: ServiceFault
    ) -> Iterable[bytes]:
        return respond(
            start_response,
            error.status,
            {"__type": error.code, "message": error.message},
        )


def read_body(environ: WSGIEnvironment) -> bytes:
    """Read a request's body (all of it, so a kept-alive connection stays usable)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return bytes(environ["wsgi.input"].read(length)) if length > 0 else b""


def respond(
    start_response: StartResponse,
    status: int,
    body: Any,
    *,
    content_type: str = _CONTENT_TYPE,
    default: Callable[[Any], Any] | None = None,
) -> Iterable[bytes]:
    """Answer with ``body`` as JSON (``default`` as for `json.dumps`) and the status."""
    payload = json.dumps(body, default=default).encode()
    known = HTTPStatus._value2member_map_.get(status)
    phrase = known.phrase if isinstance(known, HTTPStatus) else "Error"
    start_response(
        f"{status} {phrase}",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(payload))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [payload]
