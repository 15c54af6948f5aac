"""Fixtures for the wake-up tests: queues fed by rules on moto's EventBridge.

Everything is real: the emulator puts its action events to moto's
EventBridge over HTTP, rules deliver them to moto's SQS, and the workers
long-poll the queue with aiobotocore.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import boto3
import pytest

from cpjobs import ActionCategory, ActionOwner, ActionTypeId, event_pattern
from cpjobs.testing import CodePipelineEmulator

#: A hang guard; no test asserts on time.
WAIT = 30.0
BUILD = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="wakeup-test",
    version="1",
)
OTHER = ActionTypeId(
    category=ActionCategory.TEST,
    owner=ActionOwner.CUSTOM,
    provider="wakeup-other",
    version="1",
)
#: Every action event, whatever its type and state.
ALL_EVENTS: dict[str, Any] = {"source": ["aws.codepipeline"]}

_names = itertools.count()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds (checked every 10 ms); fail after `WAIT`."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110  (server threads change it)
            await asyncio.sleep(0.01)
    assert condition(), what


def _boto3(emulator: CodePipelineEmulator, service: str) -> Any:
    return boto3.client(
        service,
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def sqs(codepipeline_emulator: CodePipelineEmulator) -> Iterator[Any]:
    """A boto3 SQS client on the emulator's endpoint (moto's SQS)."""
    client = _boto3(codepipeline_emulator, "sqs")
    yield client
    client.close()


@pytest.fixture(scope="session")
def eventbridge(codepipeline_emulator: CodePipelineEmulator) -> Iterator[Any]:
    """A boto3 EventBridge client on the emulator's endpoint (moto's EventBridge)."""
    client = _boto3(codepipeline_emulator, "events")
    yield client
    client.close()


@pytest.fixture
def action_type(emulator: CodePipelineEmulator) -> ActionTypeId:
    """The workers' action type, registered."""
    emulator.register_action_type(BUILD)
    return BUILD


@pytest.fixture
def make_queue(
    emulator: CodePipelineEmulator, sqs: Any, eventbridge: Any
) -> Iterator[Callable[..., str]]:
    """Make a queue, fed by a rule with ``pattern`` if one is given; return its URL.

    The rules and queues are deleted after the test (moto keeps them across
    emulator resets), once the emulator has sent the test's events.
    """
    made: list[tuple[str, str | None]] = []

    def make(pattern: dict[str, Any] | None = None, name: str | None = None) -> str:
        name = name or queue_name()
        url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
        rule = None
        if pattern is not None:
            rule = name
            eventbridge.put_rule(Name=rule, EventPattern=json.dumps(pattern))
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            eventbridge.put_targets(
                Rule=rule,
                Targets=[{"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}],
            )
        made.append((url, rule))
        return url

    yield make
    emulator.flush_events()
    for url, rule in made:
        if rule is not None:
            eventbridge.remove_targets(Rule=rule, Ids=["queue"])
            eventbridge.delete_rule(Name=rule)
        sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def wakeup_queue(make_queue: Callable[..., str], action_type: ActionTypeId) -> str:
    """A queue fed with the STARTED events of the workers' action type."""
    return make_queue(event_pattern(action_type))


def queue_name() -> str:
    """A queue name no other test uses."""
    return f"wakeup-{next(_names)}"


def messages_in(sqs: Any, url: str) -> int:
    """Messages in the queue, visible or not (moto counts them exactly)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
        ],
    )["Attributes"]
    return sum(int(count) for count in attributes.values())


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Take every message from the queue (deleting them); their bodies as JSON."""
    bodies: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
async def running() -> AsyncIterator[Callable[[Any], None]]:
    """Run workers in the background; stop them and wait for them after the test."""
    workers: list[tuple[Any, asyncio.Task[None]]] = []

    def run(worker: Any) -> None:
        workers.append((worker, asyncio.create_task(worker.run(handle_signals=False))))

    yield run
    for worker, _ in workers:
        worker.stop()
    await asyncio.wait_for(asyncio.gather(*(task for _, task in workers)), WAIT)
