"""The options both workers take: written once, with their defaults and limits.

`WorkerOptions` is what a caller's type checker sees (``**options:
Unpack[WorkerOptions]``); `Settings` holds the same fields with their defaults
and validators, and is what the runtime reads. A test keeps the two (and the
README's option table) in step: a type checker cannot derive a TypedDict
from an attrs class, and a hand-written ``__init__`` would be a third copy.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Final, TypedDict

import attrs

from . import _validators as v
from ._backoff import Backoff
from ._errors import InvalidField
from ._events import WorkerEvent

__all__ = ["Settings", "WorkerOptions", "settings_for"]

#: Retries of one call about a job (ack, details, result). botocore already
#: retries each call a few times; this rides out several more seconds of
#: throttling or outage (at most 0.2 + 0.4 + 0.8 + 1.6 + 3.2 s of waiting)
#: and still gives up in time to leave the action's timeout to CodePipeline.
DEFAULT_RETRY_BACKOFF: Final = Backoff(initial=0.2, maximum=5.0)


class WorkerOptions(TypedDict, total=False):
    """The keyword options both workers take.

    Attributes:
        max_concurrency: Jobs in flight at once (8); each poll asks for the
            free slots.
        poll_backoff: Waits after empty or failed polls (0.25 s doubling up
            to 20 s, see `Backoff`); a poll that brings jobs is followed at
            once by the next.
        retry_backoff: Waits between attempts of one call about a job
            (0.2 s doubling up to 5 s).
        retry_attempts: Attempts of one call about a job before giving up (6).
        shutdown_grace: Seconds jobs in flight get to finish after `~JobWorker.stop` (20).
        cancel_wait: Seconds between the cancellations of a handler that
            ignores them (5); it is left behind after three.
        owns_client: Enter the client when `~JobWorker.run` starts and close it when
            it ends (for a `JobsClient.create` client not yet opened).
        burst: Stop once a poll comes back empty with no job in flight
            (``False``): for CI and scheduled runs.
        health_file: A file touched every second while the worker's event
            loop turns (``None``): ``cpjobs check`` reads its age.
        secret_properties: The names of the secret configuration properties.
            ``None`` (the default): every value is treated as secret.
        on_event: Called with each `WorkerEvent`, e.g. to feed metrics;
            its exceptions are logged and ignored.
        wakeup_queue_url: An SQS queue an EventBridge rule feeds with the
            action type's STARTED events (see `event_pattern`): an event
            wakes an idle worker at once. ``None`` (the default): polling only.
        wakeup_sqs_client: The aiobotocore SQS client to read it with; by
            default one made like the worker's client (`JobsClient.sibling`).
        wakeup_idle_ceiling: Seconds an idle worker waits between its own
            polls while the queue can be read (300); jittered down to half.
        sleep: How to wait (for tests).
        clock: Seconds, for the durations in events (for tests).
        rng: The random source of the backoff jitter (for tests).
    """

    max_concurrency: int
    poll_backoff: Backoff
    retry_backoff: Backoff
    retry_attempts: int
    shutdown_grace: float
    cancel_wait: float
    owns_client: bool
    burst: bool
    health_file: str | os.PathLike[str] | None
    secret_properties: Collection[str] | None
    on_event: Callable[[WorkerEvent], object] | None
    wakeup_queue_url: str | None
    wakeup_sqs_client: Any
    wakeup_idle_ceiling: float
    sleep: Callable[[float], Awaitable[object]]
    clock: Callable[[], float]
    rng: random.Random | None


def _names(value: Collection[str] | None) -> Collection[str] | None:
    if value is None or isinstance(value, str):
        return value  # a lone string is refused by the validator
    return frozenset(value)


def _string_collection(
    instance: object,
    attribute: attrs.Attribute[Collection[str] | None],
    value: Collection[str] | None,
) -> None:
    if value is None:
        return
    items: Collection[object] = value
    if isinstance(value, str) or not all(isinstance(item, str) for item in items):
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"is {v.a_type(value)}",
            "a collection of property names (strings)",
        )


def _queue_url(
    instance: object, attribute: attrs.Attribute[str], value: object
) -> None:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            "is not a URL" if isinstance(value, str) else f"is {v.a_type(value)}",
            "an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)",
        )


def _path(
    instance: object,
    attribute: attrs.Attribute[str | os.PathLike[str] | None],
    value: object,
) -> None:
    if value is not None and not isinstance(value, (str, os.PathLike)):
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"is {v.a_type(value)}",
            "a path (str or os.PathLike) or None",
        )


@attrs.frozen(kw_only=True)
class Settings:
    """`WorkerOptions` with their defaults, validated."""

    #: Enough to overlap the I/O most handlers do.
    max_concurrency: int = attrs.field(default=8, validator=v.integer(1))
    poll_backoff: Backoff = attrs.field(
        factory=Backoff, validator=v.instance_of(Backoff)
    )
    retry_backoff: Backoff = attrs.field(
        default=DEFAULT_RETRY_BACKOFF, validator=v.instance_of(Backoff)
    )
    retry_attempts: int = attrs.field(default=6, validator=v.integer(1))
    #: ECS and Kubernetes kill 30 s after SIGTERM, which leaves the
    #: cancelled jobs time to report.
    shutdown_grace: float = attrs.field(default=20.0, validator=v.number(0))
    cancel_wait: float = attrs.field(default=5.0, validator=v.number(0, above=True))
    owns_client: bool = attrs.field(default=False, validator=v.instance_of(bool))
    burst: bool = attrs.field(default=False, validator=v.instance_of(bool))
    health_file: str | os.PathLike[str] | None = attrs.field(
        default=None, validator=_path
    )
    secret_properties: Collection[str] | None = attrs.field(
        default=None, converter=_names, validator=_string_collection
    )
    on_event: Callable[[WorkerEvent], object] | None = attrs.field(
        default=None,
        validator=v.optional(
            v.function("a plain function: it is called, not awaited", coroutine=False)
        ),
    )
    wakeup_queue_url: str | None = attrs.field(
        default=None, validator=v.optional(_queue_url)
    )
    wakeup_sqs_client: Any = attrs.field(default=None, repr=False)
    #: Well under one poll a minute, yet a lost event delays a job minutes only.
    wakeup_idle_ceiling: float = attrs.field(
        default=300.0, validator=v.number(0, above=True)
    )
    sleep: Callable[[float], Awaitable[object]] = attrs.field(
        default=asyncio.sleep, validator=v.function("an async function")
    )
    clock: Callable[[], float] = attrs.field(
        default=time.monotonic, validator=v.function("a function returning seconds")
    )
    rng: random.Random | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(random.Random))
    )


def settings_for(owner: str, options: WorkerOptions) -> Settings:
    """`Settings` from ``options``; errors name the option as ``owner.option``."""
    try:
        return Settings(**options)
    except InvalidField as error:
        _, _, option = error.field.partition(".")
        raise InvalidField(f"{owner}.{option}", error.problem, error.limit) from None
    except TypeError as error:  # an unknown option, from an untyped caller
        msg = f"{owner}: {error}".replace("Settings.__init__()", "an option")
        raise TypeError(msg) from None
