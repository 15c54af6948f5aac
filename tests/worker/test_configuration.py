"""A worker checks how it is configured when it is built, not at its first poll."""

from __future__ import annotations

from typing import Any

import pytest

from cpjobs import (
    ActionTypeId,
    InvalidField,
    Job,
    JobContext,
    JobsClient,
    JobWorker,
    ThirdPartyJobDetails,
    ThirdPartyJobWorker,
)


async def noop(job: Job, ctx: JobContext) -> None:
    """Succeed at once."""


async def noop_third_party(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
    """Succeed at once."""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"max_concurrency": 0},
            "JobWorker.max_concurrency: is 0 (limit: an int >= 1)",
        ),
        (
            {"max_concurrency": True},
            "JobWorker.max_concurrency: is True (limit: an int >= 1)",
        ),
        (
            {"retry_attempts": 1.5},
            "JobWorker.retry_attempts: is 1.5 (limit: an int >= 1)",
        ),
        (
            {"shutdown_grace": -1.0},
            "JobWorker.shutdown_grace: is -1.0 (limit: >= 0)",
        ),
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

    with pytest.raises(TypeError, match="on_event"):
        JobWorker(jobs_client, action_type, noop, on_event=on_event)
