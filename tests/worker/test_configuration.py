"""A worker checks how it is configured when it is built, not at its first poll."""

from __future__ import annotations

import functools
import inspect
import re
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest

from cpjobs import (
    ActionTypeId,
    InvalidField,
    Job,
    JobContext,
    JobsClient,
    JobWorker,
    Success,
    ThirdPartyJobDetails,
    ThirdPartyJobWorker,
    WorkerOptions,
)
from cpjobs._options import Settings


async def noop(job: Job, ctx: JobContext) -> None:
    """Succeed at once."""


async def print_later(event: object) -> None:
    """An async event callback: never awaited, so refused."""


async def noop_third_party(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
    """Succeed at once."""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"max_concurrency": 0}, "JobWorker.max_concurrency: is 0 (limit: >= 1)"),
        (
            {"max_concurrency": True},
            "JobWorker.max_concurrency: is a bool (limit: an integer)",
        ),
        (
            {"retry_attempts": 1.5},
            "JobWorker.retry_attempts: is a float (limit: an integer)",
        ),
        (
            {"shutdown_grace": -1.0},
            "JobWorker.shutdown_grace: is -1.0 (limit: a number >= 0)",
        ),
        (
            {"shutdown_grace": "20"},
            "JobWorker.shutdown_grace: is a str (limit: a number >= 0)",
        ),
        ({"cancel_wait": 0}, "JobWorker.cancel_wait: is 0 (limit: a number > 0)"),
        (
            {"poll_backoff": 5},
            "JobWorker.poll_backoff: is an int (limit: an instance of Backoff)",
        ),
        (
            {"retry_backoff": None},
            "JobWorker.retry_backoff: is a NoneType (limit: an instance of Backoff)",
        ),
        (
            {"secret_properties": "Token"},
            "JobWorker.secret_properties: is a str (limit: a collection of",
        ),
        (
            {"on_event": print_later},
            "JobWorker.on_event: is an async function (limit: a plain function",
        ),
        ({"sleep": 0.5}, "JobWorker.sleep: is a float (limit: an async function)"),
        (
            {"query_param": {"Branch": "no spaces"}},
            "PollForJobsInput.query_param['Branch']",
        ),
    ],
)
def test_bad_option_names_field_and_limit(
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    options: dict[str, Any],
    expected: str,
) -> None:
    """A bad option raises `InvalidField` naming it and its limit."""
    with pytest.raises(InvalidField) as raised:
        JobWorker(jobs_client, action_type, noop, **options)

    assert str(raised.value).startswith(expected)


def test_unknown_option_is_refused(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A misspelled option (from an untyped caller) is a TypeError naming it."""
    options: dict[str, Any] = {"max_concurency": 4}

    with pytest.raises(TypeError, match="max_concurency"):
        JobWorker(jobs_client, action_type, noop, **options)


def sync_handler(job: Job, ctx: JobContext) -> Success:
    """Would do its work before the worker noticed it is not a coroutine."""
    return Success()


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (sync_handler, "JobWorker.handler: is a function (limit: an async function"),
        (None, "JobWorker.handler: is a NoneType (limit: an async function"),
        ("noop", "JobWorker.handler: is a str (limit: an async function"),
        (
            lambda job, ctx: noop(job, ctx),
            "JobWorker.handler: is a function (limit: an async function",
        ),
    ],
)
def test_handler_must_be_an_async_function(
    jobs_client: JobsClient, action_type: ActionTypeId, handler: Any, expected: str
) -> None:
    """A handler that is not an async function is refused when the worker is built."""
    with pytest.raises(InvalidField) as raised:
        JobWorker(jobs_client, action_type, handler)

    assert str(raised.value).startswith(expected)


def test_async_callables_are_handlers(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A partial of an async function and an object with async ``__call__`` are taken."""

    class Handler:
        async def __call__(self, job: Job, ctx: JobContext) -> None:
            """Succeed at once."""

    async def configured(job: Job, ctx: JobContext, *, level: int) -> None:
        """Succeed at once."""

    for handler in (Handler(), functools.partial(configured, level=2)):
        JobWorker(jobs_client, action_type, handler)


def test_client_must_be_a_jobs_client(action_type: ActionTypeId) -> None:
    """A raw aiobotocore client (or anything else) as ``client`` is refused."""
    with pytest.raises(InvalidField, match=r"JobWorker.client: is a dict \(limit: a"):
        JobWorker({}, action_type, noop)  # type: ignore[arg-type]


def test_client_tokens_must_map_or_look_up(
    jobs_client: JobsClient, third_party_type: ActionTypeId
) -> None:
    """Client tokens are a mapping or a function; anything else is refused."""
    with pytest.raises(
        InvalidField, match=r"ThirdPartyJobWorker\.client_tokens: is an int"
    ):
        ThirdPartyJobWorker(jobs_client, third_party_type, noop_third_party, 42)  # type: ignore[arg-type]


def test_custom_worker_needs_a_custom_action_type(
    jobs_client: JobsClient, third_party_type: ActionTypeId
) -> None:
    """A `JobWorker` for a third-party action type is refused."""
    with pytest.raises(InvalidField, match="owner 'Custom'"):
        JobWorker(jobs_client, third_party_type, noop)


def test_third_party_worker_needs_a_third_party_action_type(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `ThirdPartyJobWorker` for a custom action type is refused."""
    with pytest.raises(InvalidField, match="owner 'ThirdParty'"):
        ThirdPartyJobWorker(
            jobs_client, action_type, noop_third_party, lambda client_id: None
        )


def test_async_event_callback_is_refused(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """``on_event`` is called, never awaited: a coroutine function is refused."""

    async def on_event(event: object) -> None:
        """Would never run."""

    with pytest.raises(InvalidField, match="on_event"):
        JobWorker(jobs_client, action_type, noop, on_event=on_event)


def test_options_are_written_once() -> None:
    """The typed options and the validated settings have the same names and types."""
    attrs.resolve_types(Settings)
    settings = {field.name: field.type for field in attrs.fields(Settings)}

    assert typing.get_type_hints(WorkerOptions) == settings


def test_every_option_is_documented() -> None:
    """Each option is in WorkerOptions' docstring and in the options reference's table."""
    page = Path(__file__).parents[2] / "docs" / "reference" / "options.md"
    rows = re.findall(r"^\| (.+?) \|", page.read_text(), re.MULTILINE)
    in_table = {name for row in rows for name in re.findall(r"`(\w+)`", row)}
    # cleandoc: Python 3.13 strips the docstring's indentation itself.
    docstring = inspect.cleandoc(WorkerOptions.__doc__ or "")
    documented = set(re.findall(r"^    (\w+):", docstring, re.M))

    options = set(WorkerOptions.__annotations__)
    assert (options, options) == (options & in_table, documented)
