"""The emulator's control API: JSON over HTTP under ``/_cpjobs/``, on the emulator's port.

It lets any client (a worker in another language, ``curl``, the
``python -m cpjobs.testing`` commands) do what tests do through
`CodePipelineEmulator`'s methods: queue jobs, read their records, move the
clock, inject faults and reset. No AWS API uses the ``/_cpjobs/`` path, so the
WSGI app here answers it and hands every other request on unchanged.

Requests and answers are JSON objects with camelCase members, records as the
converter writes them. Errors answer ``{"error": code, "message": text}`` with
the HTTP status. Nothing a request carries (configuration values, artifact
contents, client tokens) is logged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qs

from .._converter import converter
from .._models import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    JobStatus,
    PollForThirdPartyJobsInput,
)
from ._http import read_body, respond
from ._records import JobRecord

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ._emulator import CodePipelineEmulator

__all__ = ["CONTROL_PREFIX", "MAX_REQUEST_BYTES", "ControlApp", "ControlError"]

#: Where the control API lives; no AWS API uses this path.
CONTROL_PREFIX: Final = "/_cpjobs"
#: The largest request body accepted (artifacts travel base64-encoded).
MAX_REQUEST_BYTES: Final = 64 * 1024 * 1024

_logger = logging.getLogger("cpjobs.testing")
_JOB_PATH = re.compile(r"/jobs/(?P<job_id>[^/]+)")
_CALLS_PATH = re.compile(r"/calls/(?P<operation>[^/]+)")

_CODES: Final = {
    HTTPStatus.BAD_REQUEST: "BadRequest",
    HTTPStatus.NOT_FOUND: "NotFound",
    HTTPStatus.METHOD_NOT_ALLOWED: "MethodNotAllowed",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "PayloadTooLarge",
    HTTPStatus.SERVICE_UNAVAILABLE: "ServiceUnavailable",
}

Body = Mapping[str, Any]
Answer = tuple[HTTPStatus, Any]


class ControlError(Exception):
    """An error answer of the control API: HTTP status, code and message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)

    @property
    def code(self) -> str:
        """A name for the status that does not change with Python's phrases."""
        return _CODES.get(self.status, "Error")


def _bad(message: str) -> ControlError:
    return ControlError(HTTPStatus.BAD_REQUEST, message)


# --- reading request members -------------------------------------------------


def _only(body: Body, allowed: Iterable[str], where: str = "the request") -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _bad(f"{where} has unknown member {unknown[0]!r}")


def _member(body: Body, name: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) and kind is not bool:
        raise _bad(f"{name} must be {what}")
    if not isinstance(value, kind):
        raise _bad(f"{name} must be {what}")
    return value


def _text(body: Body, name: str, *, required: bool = False) -> str | None:
    value = cast("str | None", _member(body, name, str, "a string"))
    if value is None and required:
        raise _bad(f"{name} is required")
    if value == "":
        raise _bad(f"{name} must not be empty")
    return value


def _number(body: Body, name: str) -> float:
    value = _member(body, name, (int, float), "a number")
    if value is None:
        raise _bad(f"{name} is required")
    return float(value)


def _count(body: Body) -> int:
    value = _member(body, "count", int, "an integer")
    return 1 if value is None else int(value)


def _object(body: Body, name: str) -> Body | None:
    return cast("Body | None", _member(body, name, dict, "an object"))


def _action_type_id(body: Body) -> ActionTypeId:
    wire = _object(body, "actionTypeId")
    if wire is None:
        raise _bad("actionTypeId is required")
    _only(wire, ("category", "owner", "provider", "version"), "actionTypeId")
    for name in ("category", "owner", "provider", "version"):
        _text(wire, name, required=True)
    category, owner = ActionCategory(wire["category"]), ActionOwner(wire["owner"])
    if not category.is_known:
        raise _bad(f"actionTypeId.category {category.value!r} is not a category")
    if not owner.is_known:
        raise _bad(f"actionTypeId.owner {owner.value!r} is not an owner")
    action_type_id = ActionTypeId(
        category=category,
        owner=owner,
        provider=wire["provider"],
        version=wire["version"],
    )
    try:
        # The limits are checked where an action type is sent: in a poll request.
        PollForThirdPartyJobsInput(action_type_id=action_type_id)
    except ValueError as error:
        raise _bad(f"actionTypeId: {error}") from None
    return action_type_id


def _configuration(body: Body) -> dict[str, str]:
    configuration = _object(body, "configuration") or {}
    for key, value in configuration.items():
        if not isinstance(value, str):
            raise _bad(f"configuration.{key} must be a string")
    return dict(configuration)


def _artifact_content(artifact: Body, where: str) -> bytes:
    _only(artifact, ("name", "base64", "path"), where)
    encoded = cast("str | None", _member(artifact, "base64", str, "a string"))
    path = _text(artifact, "path")
    if (encoded is None) == (path is None):
        raise _bad(f"{where} needs exactly one of base64 and path")
    if encoded is not None:
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise _bad(f"{where}.base64 is not valid base64") from None
    assert path is not None
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise _bad(f"{where}.path: cannot read {path}: {error.strerror}") from None


def _input_artifacts(body: Body) -> dict[str, bytes]:
    listed: list[Any] = _member(body, "inputArtifacts", list, "a list") or []
    artifacts: dict[str, bytes] = {}
    for index, artifact in enumerate(listed):
        where = f"inputArtifacts[{index}]"
        if not isinstance(artifact, dict):
            raise _bad(f"{where} must be an object")
        name = _text(cast("Body", artifact), "name", required=True)
        assert name is not None
        if name in artifacts:
            raise _bad(f"{where}.name {name!r} is given twice")
        artifacts[name] = _artifact_content(cast("Body", artifact), where)
    return artifacts


def _output_artifacts(body: Body) -> list[str]:
    listed: list[Any] = _member(body, "outputArtifacts", list, "a list") or []
    if not all(isinstance(name, str) and name for name in listed):
        raise _bad("outputArtifacts must be a list of names")
    names = cast("list[str]", listed)
    if len(set(names)) != len(names):
        raise _bad("outputArtifacts names an artifact twice")
    return list(names)


#: Members of a request to queue a job; see `ControlApp`.
_ENQUEUE_MEMBERS: Final = (
    "actionTypeId",
    "configuration",
    "inputArtifacts",
    "outputArtifacts",
    "encryptionKey",
    "continuationToken",
    "clientId",
    "pipelineName",
    "stageName",
    "actionName",
    "pipelineExecutionId",
)

#: Filters of ``GET /_cpjobs/jobs``, and the record value each one compares.
_FILTERS: Final[Mapping[str, Callable[[JobRecord], str | None]]] = {
    "status": lambda record: record.status.value,
    "category": lambda record: record.action_type_id.category.value,
    "owner": lambda record: record.action_type_id.owner.value,
    "provider": lambda record: record.action_type_id.provider,
    "version": lambda record: record.action_type_id.version,
    "pipelineName": lambda record: record.pipeline_context.pipeline_name,
    "pipelineExecutionId": lambda record: record.pipeline_context.pipeline_execution_id,
    "clientId": lambda record: record.client_id,
}


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class ControlApp:
    """A WSGI app: the control API under ``/_cpjobs/``, everything else to ``next_app``.

    Routes (JSON in and out; see ``docs/how-to/testing.md`` for the shapes):

    - ``GET /_cpjobs`` : where the emulator is (endpoint, region, account, bucket)
    - ``POST /_cpjobs/jobs`` : queue a custom or third-party job
    - ``GET /_cpjobs/jobs?status=..`` : job records, oldest first, filtered
    - ``GET /_cpjobs/jobs/{id}`` : one job record
    - ``POST /_cpjobs/action-types`` : register an action type
    - ``POST /_cpjobs/clock`` : advance the clock
    - ``POST /_cpjobs/timeouts``, ``/faults``, ``/latencies``, ``/reset``
    - ``GET /_cpjobs/calls/{operation}`` : calls of an operation since the reset
    """

    def __init__(self, emulator: CodePipelineEmulator, next_app: WSGIApplication):
        self._emulator = emulator
        self._next_app = next_app
        self._routes: dict[tuple[str, str], Callable[[Body], Answer]] = {
            ("GET", ""): self._where,
            ("POST", "/jobs"): self._enqueue,
            ("GET", "/jobs"): self._list_jobs,
            ("POST", "/action-types"): self._register,
            ("POST", "/clock"): self._advance_clock,
            ("POST", "/timeouts"): self._set_timeouts,
            ("POST", "/faults"): self._inject_fault,
            ("POST", "/latencies"): self._inject_latency,
            ("POST", "/reset"): self._reset,
        }

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path != CONTROL_PREFIX and not path.startswith(CONTROL_PREFIX + "/"):
            return self._next_app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        route = path[len(CONTROL_PREFIX) :].rstrip("/")
        try:
            raw = _read_body(environ)  # read first: the connection may be kept alive
            status, answer = self._route(method, route, environ, raw)
        except ControlError as error:
            status, answer = (
                error.status,
                {"error": error.code, "message": error.message},
            )
        except Exception:
            _logger.exception("control API: %s %s failed", method, path)
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            answer = {
                "error": "InternalServerError",
                "message": "see the emulator's log",
            }
        _logger.debug("control API: %s %s -> %d", method, path, status)
        return respond(
            start_response,
            status,
            answer,
            content_type="application/json",
            default=_json_default,
        )

    # --- dispatch ------------------------------------------------------------

    def _route(
        self, method: str, route: str, environ: WSGIEnvironment, raw: bytes
    ) -> Answer:
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        if method == "GET" and (match := _JOB_PATH.fullmatch(route)):
            return self._job(match["job_id"])
        if method == "GET" and (match := _CALLS_PATH.fullmatch(route)):
            return self._calls(match["operation"])
        handler = self._routes.get((method, route))
        if handler is None:
            if any(path == route for _, path in self._routes) or _JOB_PATH.fullmatch(
                route
            ):
                raise ControlError(
                    HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed here"
                )
            raise ControlError(
                HTTPStatus.NOT_FOUND, f"no control API at {CONTROL_PREFIX}{route}"
            )
        if method == "GET":
            return handler({key: values[-1] for key, values in query.items()})
        return handler(_parse_json(raw))

    # --- routes --------------------------------------------------------------

    def _where(self, query: Body) -> Answer:
        emulator = self._emulator
        return HTTPStatus.OK, {
            "endpointUrl": emulator.endpoint_url,
            "region": emulator.region,
            "accountId": emulator.account_id,
            "artifactBucket": emulator.artifact_bucket,
        }

    def _enqueue(self, body: Body) -> Answer:
        _only(body, _ENQUEUE_MEMBERS)
        action_type_id = _action_type_id(body)
        client_id = _text(body, "clientId")
        encryption_key = _member(body, "encryptionKey", bool, "true or false")
        options: dict[str, Any] = {
            "configuration": _configuration(body),
            "input_artifacts": _input_artifacts(body),
            "output_artifacts": _output_artifacts(body),
            "continuation_token": _text(body, "continuationToken"),
            "encryption_key": bool(encryption_key),
            "pipeline_name": _text(body, "pipelineName") or "my-pipeline",
            "stage_name": _text(body, "stageName"),
            "action_name": _text(body, "actionName"),
            "pipeline_execution_id": _text(body, "pipelineExecutionId"),
        }
        try:
            if action_type_id.owner is ActionOwner.THIRD_PARTY:
                job_id, client_id, client_token = (
                    self._emulator.enqueue_third_party_job(
                        action_type_id, client_id=client_id, **options
                    )
                )
                answer = {
                    "jobId": job_id,
                    "clientId": client_id,
                    "clientToken": client_token,
                }
                return HTTPStatus.CREATED, answer
            if client_id is not None:
                raise _bad("clientId is only for jobs of ThirdParty actions")
            job_id = self._emulator.enqueue_job(action_type_id, **options)
        except (TypeError, ValueError) as error:
            raise _bad(str(error)) from None
        return HTTPStatus.CREATED, {"jobId": job_id}

    def _list_jobs(self, query: Body) -> Answer:
        _only(query, _FILTERS, "the query")
        if "status" in query and not JobStatus(query["status"]).is_known:
            raise _bad(f"status {query['status']!r} is not a job status")
        records = [
            record
            for record in self._emulator.jobs()
            if all(_FILTERS[name](record) == value for name, value in query.items())
        ]
        return HTTPStatus.OK, {
            "jobs": [converter.unstructure(record) for record in records]
        }

    def _job(self, job_id: str) -> Answer:
        try:
            record = self._emulator.job(job_id)
        except KeyError:
            raise ControlError(
                HTTPStatus.NOT_FOUND, f"there is no job {job_id}"
            ) from None
        return HTTPStatus.OK, converter.unstructure(record)

    def _register(self, body: Body) -> Answer:
        _only(body, ("actionTypeId",))
        self._emulator.register_action_type(_action_type_id(body))
        return HTTPStatus.OK, {}

    def _advance_clock(self, body: Body) -> Answer:
        _only(body, ("seconds",))
        seconds = _number(body, "seconds")
        if seconds < 0:
            raise _bad("seconds must not be negative: the clock only moves forward")
        self._emulator.advance_clock(seconds)
        return HTTPStatus.OK, {"clock": self._emulator.clock()}

    def _set_timeouts(self, body: Body) -> Answer:
        _only(body, ("dispatch", "job"))
        dispatch = _member(body, "dispatch", (int, float), "a number of seconds")
        job = _member(body, "job", (int, float), "a number of seconds")
        for name, value in (("dispatch", dispatch), ("job", job)):
            if value is not None and value <= 0:
                raise _bad(f"{name} must be more than 0 seconds")
        self._emulator.set_timeouts(dispatch=dispatch, job=job)
        return HTTPStatus.OK, {}

    def _inject_fault(self, body: Body) -> Answer:
        _only(body, ("operation", "code", "status", "count", "message"))
        status = _member(body, "status", int, "an HTTP status")
        if status is not None and not 400 <= status <= 599:
            raise _bad("status must be an HTTP error status, 400 to 599")
        try:
            self._emulator.inject_fault(
                str(_text(body, "operation", required=True)),
                code=_text(body, "code") or "ThrottlingException",
                status=status or 400,
                count=_count(body),
                message=_text(body, "message"),
            )
        except ValueError as error:
            raise _bad(str(error)) from None
        return HTTPStatus.OK, {}

    def _inject_latency(self, body: Body) -> Answer:
        _only(body, ("operation", "seconds", "count"))
        try:
            self._emulator.inject_latency(
                str(_text(body, "operation", required=True)),
                seconds=_number(body, "seconds"),
                count=_count(body),
            )
        except ValueError as error:
            raise _bad(str(error)) from None
        return HTTPStatus.OK, {}

    def _calls(self, operation: str) -> Answer:
        try:
            calls = self._emulator.calls(operation)
        except ValueError as error:
            raise _bad(str(error)) from None
        return HTTPStatus.OK, {"operation": operation, "calls": calls}

    def _reset(self, body: Body) -> Answer:
        _only(body, ())
        try:
            self._emulator.reset()
        except RuntimeError as error:
            raise ControlError(HTTPStatus.SERVICE_UNAVAILABLE, str(error)) from None
        return HTTPStatus.OK, {}


def _read_body(environ: WSGIEnvironment) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _bad("Content-Length is not a number") from None
    if length > MAX_REQUEST_BYTES:
        raise ControlError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the request body is {length} bytes, more than {MAX_REQUEST_BYTES}",
        )
    return read_body(environ)


def _parse_json(raw: bytes) -> Body:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise _bad("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object")
    return cast("Body", body)
