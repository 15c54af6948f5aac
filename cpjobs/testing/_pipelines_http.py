"""The execution operations of pipelines, answered by the emulator, as WSGI around moto.

`PipelinesApp` answers ``StartPipelineExecution`` and the reads of the
executions (`GetPipelineExecution`, `ListPipelineExecutions`,
`GetPipelineState`, `ListActionExecutions`) from `PipelineRunner`. It reads a
pipeline's definition by calling moto's ``GetPipeline`` in process, with the
request's own headers (so moto picks the same account and region, and answers
``PipelineNotFoundException`` itself), and hands every other request to moto
unchanged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from ._http import TARGET_PREFIX, read_body, respond
from ._pipelines import PipelineFault, PipelineRunner

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["PipelinesApp"]


def _epoch_seconds(value: object) -> float:
    """Timestamps as the JSON protocol writes them."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class PipelinesApp:
    """Answers the execution operations of every pipeline; the rest to moto."""

    def __init__(self, runner: PipelineRunner, moto_app: WSGIApplication) -> None:
        self._runner = runner
        self._moto_app = moto_app
        self._operations: dict[
            str, Callable[[WSGIEnvironment, Mapping[str, Any]], dict[str, Any]]
        ] = {
            "StartPipelineExecution": self._start,
            "GetPipelineExecution": self._get_execution,
            "ListPipelineExecutions": self._list_executions,
            "GetPipelineState": self._state,
            "ListActionExecutions": self._list_action_executions,
        }

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation = self._operations.get(target.removeprefix(TARGET_PREFIX))
        if not target.startswith(TARGET_PREFIX) or operation is None:
            return self._moto_app(environ, start_response)
        raw = read_body(environ)
        try:
            params = json.loads(raw or b"{}")
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            return respond(
                start_response,
                400,
                {
                    "__type": "SerializationException",
                    "message": "The body is not a JSON object",
                },
            )
        try:
            answer = operation(environ, cast("Mapping[str, Any]", params))
        except PipelineFault as refused:
            return respond(
                start_response,
                400,
                {"__type": refused.code, "message": refused.message},
            )
        except _MotoAnswer as moto:
            return respond(start_response, moto.status, moto.body)
        return respond(start_response, 200, answer, default=_epoch_seconds)

    def _pipeline(self, environ: WSGIEnvironment, name: object) -> Mapping[str, Any]:
        """The pipeline's definition, asked of moto in process (GetPipeline)."""
        status, body = _call_moto(
            self._moto_app, environ, "GetPipeline", {"name": name}
        )
        if status != 200:
            raise _MotoAnswer(status, body)
        return cast("Mapping[str, Any]", body["pipeline"])

    def _start(
        self, environ: WSGIEnvironment, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        pipeline = self._pipeline(environ, params.get("name"))
        return self._runner.start_execution(pipeline, params)

    def _get_execution(
        self, environ: WSGIEnvironment, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._pipeline(environ, params.get("pipelineName"))
        return self._runner.get_execution(params)

    def _list_executions(
        self, environ: WSGIEnvironment, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._pipeline(environ, params.get("pipelineName"))
        return self._runner.list_executions(params)

    def _state(
        self, environ: WSGIEnvironment, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self._runner.state(self._pipeline(environ, params.get("name")))

    def _list_action_executions(
        self, environ: WSGIEnvironment, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._pipeline(environ, params.get("pipelineName"))
        return self._runner.list_action_executions(params)


class _MotoAnswer(Exception):
    """moto's error answer to a call made on the way, passed on as it is."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(body.get("message") or body.get("__type"))


def _call_moto(
    moto_app: WSGIApplication,
    environ: WSGIEnvironment,
    operation: str,
    params: Mapping[str, Any],
) -> tuple[int, dict[str, Any]]:
    """Call a CodePipeline operation of moto in process, with the request's headers."""
    body = json.dumps(params).encode()
    call = dict(environ)
    call.update(
        {
            "HTTP_X_AMZ_TARGET": TARGET_PREFIX + operation,
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    statuses: list[int] = []

    def write(data: bytes) -> None:
        raise NotImplementedError("moto answers by returning its body")

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(int(status.split(" ", 1)[0]))
        return write

    chunks = moto_app(call, start_response)
    try:
        payload = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    try:
        answer = json.loads(payload or b"{}")
    except ValueError:  # an HTML error page: moto failed
        answer = {"__type": "InternalFailure", "message": f"moto's {operation} failed"}
    return statuses[0], cast("dict[str, Any]", answer)
