"""``cpjobs run``: one worker from an import path, built and run until stopped.

The target is a handler (the command builds the worker from ``--action``
and the options) or a factory, a plain function ``build(client, options)``
that returns the worker: the options are the command's, for the factory to
pass on (``JobWorker(client, ..., **options)``) or not. A factory is not
async: an async function is a handler, and without ``--action`` that is a
mistake worth one clear line, not a handler called with a client.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _validators as v
from ._models import ActionOwner, ActionTypeId

if TYPE_CHECKING:
    from ._action_types import ActionTypeSpec
    from ._client import JobsClient
    from ._options import WorkerOptions
    from ._worker import JobWorker, ThirdPartyJobWorker

    Worker = JobWorker | ThirdPartyJobWorker

__all__ = [
    "SetupError",
    "TargetError",
    "WorkerSetup",
    "check_spec",
    "load_client_tokens",
    "load_target",
    "make_worker",
]


class TargetError(Exception):
    """The import path names nothing usable: one line, its own exit code."""


class SetupError(Exception):
    """A setting of ``run`` that cannot work (reported as a configuration error)."""


def load_target(path: str) -> Callable[..., Any]:
    """The object ``pkg.module:name`` names (``name`` may be dotted).

    Raises:
        TargetError: Not ``module:name``, the module does not import, or it
            has no such callable.
    """
    module_name, colon, attribute = path.partition(":")
    if not colon or not module_name or not attribute:
        raise TargetError(f"{path!r} is not an import path like pkg.module:handler")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise TargetError(f"cannot import {module_name!r}: {error}") from None
    for name in attribute.split("."):
        try:
            target = getattr(target, name)
        except AttributeError:
            raise TargetError(f"{module_name!r} has no {attribute!r}") from None
    if not callable(target):
        raise TargetError(f"{path} is {v.a_type(target)}, not a function")
    function: Callable[..., Any] = target
    return function


def load_client_tokens(source: str) -> Mapping[str, str]:
    """Client id to client token, from a JSON file or ``env:VARIABLE`` holding JSON.

    Errors name the source, never a token.

    Raises:
        SetupError: The source cannot be read or is not a JSON object of strings.
    """
    variable = source.removeprefix("env:") if source.startswith("env:") else None
    if variable is not None:
        text = os.environ.get(variable)
        if text is None:
            raise SetupError(f"client tokens: {variable} is not set")
    else:
        text = Path(source).read_text(encoding="utf-8")
    try:
        tokens = json.loads(text)
    except ValueError:
        raise SetupError(f"client tokens: {source} is not JSON") from None
    if not isinstance(tokens, dict) or not all(
        isinstance(key, str) and isinstance(value, str)
        for key, value in tokens.items()  # pyright: ignore[reportUnknownVariableType]
    ):
        raise SetupError(
            f"client tokens: {source} is not a JSON object of client id to token"
        )
    return dict(tokens)  # pyright: ignore[reportUnknownArgumentType]


class WorkerSetup:
    """What ``run`` builds a worker from: the target and the command's options."""

    def __init__(
        self,
        target: Callable[..., Any],
        action_type_id: ActionTypeId | None,
        options: WorkerOptions,
        *,
        query_param: Mapping[str, str] | None = None,
        client_tokens: str | None = None,
    ) -> None:
        if action_type_id is None and v.is_async_function(target):
            raise TargetError(
                "the target is an async function, so a handler: name its action"
                " type with --action (a worker factory is a plain function)"
            )
        if action_type_id is not None and not v.is_async_function(target):
            raise TargetError(
                "with --action the target is a handler: async def handler(job, ctx)"
            )
        third_party = (
            action_type_id is not None
            and action_type_id.owner is ActionOwner.THIRD_PARTY
        )
        if third_party and client_tokens is None:
            raise SetupError("a ThirdParty action type needs --client-tokens")
        if third_party and query_param:
            raise SetupError("--query-param is for Custom action types only")
        self.target = target
        self.action_type_id = action_type_id
        self.options = options
        self.query_param = query_param
        self.client_tokens = client_tokens


async def make_worker(client: JobsClient, setup: WorkerSetup) -> Worker:
    """The worker ``setup`` describes, on ``client``.

    Raises:
        TargetError: A factory returned something other than a worker.
    """
    # Loaded when a worker is made: the command's other paths do without it.
    from ._worker import JobWorker, ThirdPartyJobWorker

    action_type_id = setup.action_type_id
    if action_type_id is None:
        worker = setup.target(client, setup.options)
        if not isinstance(worker, (JobWorker, ThirdPartyJobWorker)):
            raise TargetError(
                f"the factory returned {v.a_type(worker)}, not a JobWorker"
                " or ThirdPartyJobWorker"
            )
        return worker
    if setup.client_tokens is not None:
        tokens = load_client_tokens(setup.client_tokens)
        return ThirdPartyJobWorker(
            client, action_type_id, setup.target, tokens, **setup.options
        )
    return JobWorker(
        client,
        action_type_id,
        setup.target,
        query_param=setup.query_param,
        **setup.options,
    )


async def check_spec(client: JobsClient, spec: ActionTypeSpec) -> None:
    """Refuse to start unless the spec's action type is registered as specified.

    Raises:
        SetupError: It is not registered, or differs (each difference named).
    """
    from ._action_types import action_type_differences, find_action_type

    registered = await find_action_type(client, spec.action_type_id)
    if registered is None:
        raise SetupError(
            "the spec's action type is not registered:"
            " run cpjobs action-type register SPEC"
        )
    differences = action_type_differences(spec, registered)
    if differences:
        raise SetupError(
            "the registered action type differs from the spec: "
            + "; ".join(differences)
        )
