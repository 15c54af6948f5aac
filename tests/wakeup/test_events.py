"""The emulator's action events, delivered by moto's EventBridge to SQS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from cpjobs import ActionTypeId, event_pattern
from cpjobs.testing import CodePipelineEmulator

from .conftest import ALL_EVENTS, BUILD, OTHER, received


def _detail(record: Any, state: str, region: str) -> dict[str, Any]:
    context = record.pipeline_context
    return {
        "pipeline": context.pipeline_name,
        "version": 1,
        "execution-id": context.pipeline_execution_id,
        "stage": context.stage.name,
        "action": context.action.name,
        "state": state,
        "region": region,
        "type": {
            "owner": "Custom",
            "category": "Build",
            "provider": "wakeup-test",
            "version": "1",
        },
    }


def _codepipeline(emulator: CodePipelineEmulator) -> Any:
    return boto3.client(
        "codepipeline",
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _take(emulator: CodePipelineEmulator, codepipeline: Any) -> dict[str, Any]:
    """Poll and acknowledge one job of `BUILD`; return it."""
    (job,) = codepipeline.poll_for_jobs(
        actionTypeId={
            "category": "Build",
            "owner": "Custom",
            "provider": "wakeup-test",
            "version": "1",
        }
    )["jobs"]
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    return dict(job)


def test_queued_job_is_a_started_event(
    emulator: CodePipelineEmulator, make_queue: Callable[..., str], sqs: Any
) -> None:
    """A queued job sends STARTED, in CodePipeline's shape, to the rule's queue.

    (moto's delivery to SQS leaves out the envelope's ``account``.)
    """
    url = make_queue(ALL_EVENTS)

    job_id = emulator.enqueue_job(
        BUILD, pipeline_name="app", stage_name="Build", action_name="Compile"
    )
    emulator.flush_events()

    (event,) = received(sqs, url)
    record = emulator.job(job_id)
    expected = {
        "detail-type": "CodePipeline Action Execution State Change",
        "source": "aws.codepipeline",
        "region": emulator.region,
        "resources": [f"arn:aws:codepipeline:{emulator.region}:123456789012:app"],
        "detail": _detail(record, "STARTED", emulator.region),
    }
    assert expected == {key: event[key] for key in expected}


def test_results_end_the_action(
    emulator: CodePipelineEmulator, make_queue: Callable[..., str], sqs: Any
) -> None:
    """A success sends SUCCEEDED and a failure FAILED, for the job's action."""
    url = make_queue(ALL_EVENTS)
    codepipeline = _codepipeline(emulator)
    first = emulator.enqueue_job(BUILD)
    second = emulator.enqueue_job(BUILD)

    for _ in range(2):
        job = _take(emulator, codepipeline)
        if job["id"] == first:
            codepipeline.put_job_success_result(jobId=job["id"])
        else:
            codepipeline.put_job_failure_result(
                jobId=job["id"],
                failureDetails={"type": "JobFailed", "message": "no"},
            )
    codepipeline.close()
    emulator.flush_events()

    states = [
        (event["detail"]["execution-id"], event["detail"]["state"])
        for event in received(sqs, url)
    ]
    execution = {
        job_id: emulator.job(job_id).pipeline_context.pipeline_execution_id
        for job_id in (first, second)
    }
    expected = {
        (execution[first], "STARTED"),
        (execution[second], "STARTED"),
        (execution[first], "SUCCEEDED"),
        (execution[second], "FAILED"),
    }
    assert (4, expected) == (len(states), set(states))


def test_continuation_stays_one_action(
    emulator: CodePipelineEmulator, make_queue: Callable[..., str], sqs: Any
) -> None:
    """A job that continues sends no SUCCEEDED, and its next job no STARTED."""
    url = make_queue(ALL_EVENTS)
    codepipeline = _codepipeline(emulator)
    emulator.enqueue_job(BUILD)
    job = _take(emulator, codepipeline)
    codepipeline.put_job_success_result(jobId=job["id"], continuationToken="more")
    following = _take(emulator, codepipeline)
    codepipeline.put_job_success_result(jobId=following["id"])
    codepipeline.close()
    emulator.flush_events()

    states = [event["detail"]["state"] for event in received(sqs, url)]

    assert ["STARTED", "SUCCEEDED"] == states


def test_timed_out_job_fails_the_action(
    emulator: CodePipelineEmulator, make_queue: Callable[..., str], sqs: Any
) -> None:
    """A job that times out sends FAILED."""
    url = make_queue(ALL_EVENTS)
    codepipeline = _codepipeline(emulator)
    emulator.set_timeouts(job=5)
    job_id = emulator.enqueue_job(BUILD)
    _take(emulator, codepipeline)
    codepipeline.close()
    emulator.advance_clock(10)

    record = emulator.job(job_id)
    emulator.flush_events()

    states = [event["detail"]["state"] for event in received(sqs, url)]
    assert ("TimedOut", ["STARTED", "FAILED"]) == (record.status.value, states)


def test_pattern_matches_one_action_type(
    emulator: CodePipelineEmulator, make_queue: Callable[..., str], sqs: Any
) -> None:
    """A rule with `event_pattern` gets its type's STARTED events, not others'."""
    url = make_queue(event_pattern(BUILD))
    codepipeline = _codepipeline(emulator)
    emulator.enqueue_job(OTHER)
    wanted = emulator.enqueue_job(BUILD)
    job = _take(emulator, codepipeline)
    codepipeline.put_job_success_result(jobId=job["id"])
    codepipeline.close()
    emulator.flush_events()

    events = received(sqs, url)

    expected = [
        ("STARTED", emulator.job(wanted).pipeline_context.pipeline_execution_id)
    ]
    assert expected == [
        (event["detail"]["state"], event["detail"]["execution-id"]) for event in events
    ]


def test_pattern_names_the_type(action_type: ActionTypeId) -> None:
    """The pattern: CodePipeline's action events, STARTED, of exactly one type."""
    expected = {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Action Execution State Change"],
        "detail": {
            "state": ["STARTED"],
            "type": {
                "owner": ["Custom"],
                "category": ["Build"],
                "provider": ["wakeup-test"],
                "version": ["1"],
            },
        },
    }
    assert expected == event_pattern(action_type)
