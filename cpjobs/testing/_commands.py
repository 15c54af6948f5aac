"""``python -m cpjobs.testing enqueue | jobs | job``: the control API from a shell.

Each command makes one request to a running emulator's control API
(`cpjobs.testing._control`) with the standard library's HTTP client and prints
the JSON answer. The emulator is the one ``--endpoint-url`` names, else the
one ``AWS_ENDPOINT_URL`` names (where the SDK is aimed), else where ``serve``
listens by default. Input artifacts are read here and sent base64-encoded, so the
emulator may run on another machine or in a container. Bad input and an
unreachable emulator are one line on stderr and a non-zero exit status:
2 for bad input, 1 for everything else.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn
from urllib.parse import urlencode

from ._control import CONTROL_PREFIX

__all__ = [
    "DEFAULT_ENDPOINT_URL",
    "DEFAULT_PORT",
    "CommandError",
    "OneLineParser",
    "add_commands",
    "run_command",
]

#: The port ``serve`` listens on by default.
DEFAULT_PORT: Final = 5050
#: Where ``serve`` listens by default, and so where the commands look.
DEFAULT_ENDPOINT_URL: Final = f"http://127.0.0.1:{DEFAULT_PORT}"
_TIMEOUT: Final = 30.0
#: ``jobs`` options and the control API filter each one sets.
_JOB_FILTERS: Final = {
    "status": "status",
    "category": "category",
    "owner": "owner",
    "provider": "provider",
    "version": "version",
    "pipeline_name": "pipelineName",
    "pipeline_execution_id": "pipelineExecutionId",
    "client_id": "clientId",
}


class CommandError(Exception):
    """What a command prints before it exits with ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        self.message = message
        self.status = status
        super().__init__(message)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_commands(commands: Any) -> None:
    """Add ``enqueue``, ``jobs`` and ``job`` to the ``python -m cpjobs.testing`` parser."""
    endpoint = argparse.ArgumentParser(add_help=False)
    endpoint.add_argument(
        "--endpoint-url",
        help="the emulator's URL (default $AWS_ENDPOINT_URL if set, else"
        f" {DEFAULT_ENDPOINT_URL}, where serve listens)",
    )

    enqueue = commands.add_parser(
        "enqueue", parents=[endpoint], help="queue a job on a running emulator"
    )
    enqueue.add_argument(
        "--action",
        required=True,
        metavar="CATEGORY/OWNER/PROVIDER/VERSION",
        help="the action type, e.g. Build/Custom/MyTool/1",
    )
    enqueue.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an action configuration entry (repeatable)",
    )
    enqueue.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="an input artifact and the file with its content (repeatable)",
    )
    enqueue.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="NAME",
        help="an output artifact for the worker to write (repeatable)",
    )
    enqueue.add_argument(
        "--third-party",
        action="store_true",
        help="a third-party job (the action's owner must be ThirdParty)",
    )
    enqueue.add_argument(
        "--client-id", help="the third-party client, to reuse its client token"
    )
    enqueue.add_argument(
        "--encrypt", action="store_true", help="encrypt the artifacts with a KMS key"
    )
    enqueue.add_argument("--continuation-token")
    enqueue.add_argument("--pipeline-name")
    enqueue.add_argument("--stage-name")
    enqueue.add_argument("--action-name")
    enqueue.add_argument("--pipeline-execution-id")

    jobs = commands.add_parser(
        "jobs", parents=[endpoint], help="list the jobs of a running emulator"
    )
    for option in _JOB_FILTERS:
        jobs.add_argument("--" + option.replace("_", "-"), help="only jobs with this")

    job = commands.add_parser("job", parents=[endpoint], help="show one job")
    job.add_argument("job_id", metavar="ID")


def run_command(args: argparse.Namespace) -> int:
    """Run ``enqueue``, ``jobs`` or ``job``; print the answer or one error line."""
    endpoint_url = (
        args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT_URL
    )
    try:
        if args.command == "enqueue":
            answer = _request(endpoint_url, "POST", "/jobs", _enqueue_body(args))
        elif args.command == "jobs":
            filters = {
                wire: getattr(args, option)
                for option, wire in _JOB_FILTERS.items()
                if getattr(args, option) is not None
            }
            query = f"?{urlencode(filters)}" if filters else ""
            answer = _request(endpoint_url, "GET", f"/jobs{query}")
        else:
            answer = _request(endpoint_url, "GET", f"/jobs/{args.job_id}")
    except CommandError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.status
    print(json.dumps(answer, indent=2))
    return 0


def _enqueue_body(args: argparse.Namespace) -> dict[str, Any]:
    action_type_id = _action_type_id(args.action)
    owner = action_type_id["owner"]
    if args.third_party and owner != "ThirdParty":
        raise CommandError(
            f"--third-party needs an action owned by ThirdParty, not {owner}", 2
        )
    if args.client_id is not None and owner != "ThirdParty":
        raise CommandError("--client-id is only for actions owned by ThirdParty", 2)
    body: dict[str, Any] = {
        "actionTypeId": action_type_id,
        "configuration": _pairs(args.config, "--config", "KEY=VALUE"),
        "inputArtifacts": [
            {"name": name, "base64": _file_base64(name, path)}
            for name, path in _pairs(args.input, "--input", "NAME=FILE").items()
        ],
        "outputArtifacts": list(args.output),
        "encryptionKey": bool(args.encrypt),
    }
    for option, member in (
        ("client_id", "clientId"),
        ("continuation_token", "continuationToken"),
        ("pipeline_name", "pipelineName"),
        ("stage_name", "stageName"),
        ("action_name", "actionName"),
        ("pipeline_execution_id", "pipelineExecutionId"),
    ):
        if getattr(args, option) is not None:
            body[member] = getattr(args, option)
    return body


def _action_type_id(text: str) -> dict[str, str]:
    parts = text.split("/")
    if len(parts) != 4 or not all(parts):
        raise CommandError(
            f"--action must be CATEGORY/OWNER/PROVIDER/VERSION, e.g. "
            f"Build/Custom/MyTool/1, not {text!r}",
            2,
        )
    return dict(zip(("category", "owner", "provider", "version"), parts, strict=True))


def _pairs(items: Sequence[str], option: str, form: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            # Name the key only: the value may be a secret.
            raise CommandError(f"{option} must be {form}, not {key!r}", 2)
        if key in pairs:
            raise CommandError(f"{option} gives {key!r} twice", 2)
        pairs[key] = value
    return pairs


def _file_base64(name: str, path: str) -> str:
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise CommandError(
            f"--input {name}: cannot read {path}: {error.strerror}", 2
        ) from None
    return base64.b64encode(content).decode()


def _request(
    endpoint_url: str, method: str, route: str, body: Mapping[str, Any] | None = None
) -> Any:
    url = endpoint_url.rstrip("/") + CONTROL_PREFIX + route
    data = None if body is None else json.dumps(body).encode()
    if not url.startswith(("http://", "https://")):
        raise CommandError(
            f"--endpoint-url must be an http URL, not {endpoint_url!r}", 2
        )
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            raise CommandError(
                _error_message(error), 2 if error.code == 400 else 1
            ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CommandError(
            f"cannot reach the emulator at {endpoint_url}: {reason}"
        ) from None
    except ValueError:
        raise CommandError(
            f"{endpoint_url} answered something other than JSON: is it the emulator?"
        ) from None


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        answer = json.loads(error.read())
        return str(answer["message"])
    except (ValueError, KeyError, TypeError):
        return f"{error.url} answered HTTP {error.code}: is it the emulator?"
