"""Workers woken by the queue: pickup without the backoff, and events as mere hints.

The workers idle for an hour between their own polls (``wakeup_idle_ceiling``)
unless a test says otherwise: a job they work without being woken would
hang the test (until its guard), never pass it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from aiobotocore.session import AioSession

from cpjobs import (
    ActionTypeId,
    Backoff,
    InvalidField,
    Job,
    JobContext,
    JobsClient,
    JobWorker,
    Polled,
    WakeupFailed,
    Woken,
    WorkerEvent,
    event_pattern,
)
from cpjobs.testing import CodePipelineEmulator
from cpjobs.testing._sessions import isolated_session_vars

from .conftest import ALL_EVENTS, OTHER, WAIT, messages_in, queue_name, until

HOUR = 3600.0


class Recorded:
    """The jobs a handler was given, and a worker's events."""

    def __init__(self) -> None:
        self.jobs: list[str] = []
        self.events: list[WorkerEvent] = []

    async def handler(self, job: Job, ctx: JobContext) -> None:
        self.jobs.append(job.id)

    def on_event(self, event: WorkerEvent) -> None:
        self.events.append(event)

    def count(self, kind: type) -> int:
        return sum(isinstance(event, kind) for event in self.events)


def _worker(
    client: JobsClient,
    action_type: ActionTypeId,
    recorded: Recorded,
    queue_url: str | None,
    **options: Any,
) -> JobWorker:
    options.setdefault("wakeup_idle_ceiling", HOUR)
    return JobWorker(
        client,
        action_type,
        recorded.handler,
        wakeup_queue_url=queue_url,
        on_event=recorded.on_event,
        **options,
    )


async def _idle(recorded: Recorded, polls: int = 1) -> None:
    """Wait until the worker has had ``polls`` polls answered."""
    await until(lambda: recorded.count(Polled) >= polls, "the worker polls")


async def test_idle_worker_is_woken_by_the_event(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    wakeup_queue: str,
    running: Callable[[Any], None],
) -> None:
    """A job queued while the worker idles is worked after one woken poll."""
    recorded = Recorded()
    worker = _worker(jobs_client, action_type, recorded, wakeup_queue)
    running(worker)
    await _idle(recorded)

    job_id = emulator.enqueue_job(action_type)
    record = await emulator.wait_for_job(job_id, timeout=WAIT)
    # The woken poll brings the job; a poll that brings jobs is followed at
    # once by another, which finds none: three in all, and then idle.
    await _idle(recorded, polls=3)

    assert ("Succeeded", [job_id], 3, 1) == (
        record.status.value,
        recorded.jobs,
        emulator.calls("PollForJobs"),
        worker.stats.wakeups,
    )


async def test_woken_message_is_deleted(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    wakeup_queue: str,
    sqs: Any,
    running: Callable[[Any], None],
) -> None:
    """The message that woke the poll leaves the queue once the poll is answered."""
    recorded = Recorded()
    running(_worker(jobs_client, action_type, recorded, wakeup_queue))
    await _idle(recorded)

    await emulator.wait_for_job(emulator.enqueue_job(action_type), timeout=WAIT)

    await until(lambda: messages_in(sqs, wakeup_queue) == 0, "the queue empties")
    assert 1 == recorded.count(Woken)


async def test_one_event_wakes_one_of_many_workers(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    wakeup_queue: str,
    sqs: Any,
    running: Callable[[Any], None],
) -> None:
    """Three idle workers on one queue: one event, one woken poll, one job worked."""
    recorders = [Recorded() for _ in range(3)]
    workers = [
        _worker(jobs_client, action_type, recorded, wakeup_queue)
        for recorded in recorders
    ]
    for worker in workers:
        running(worker)
    for recorded in recorders:
        await _idle(recorded)

    job_id = emulator.enqueue_job(action_type)
    await emulator.wait_for_job(job_id, timeout=WAIT)
    await until(lambda: messages_in(sqs, wakeup_queue) == 0, "the queue empties")
    await until(lambda: emulator.calls("PollForJobs") >= 5, "the woken worker polls")

    # Three first polls, the woken one, and the one after it that finds none.
    assert ([job_id], 5, 1) == (
        [job for recorded in recorders for job in recorded.jobs],
        emulator.calls("PollForJobs"),
        sum(worker.stats.wakeups for worker in workers),
    )


async def test_duplicated_events_work_the_job_once(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    wakeup_queue: str,
    sqs: Any,
    running: Callable[[Any], None],
) -> None:
    """The job's event delivered again three times: it is worked once, all deleted."""
    recorded = Recorded()
    worker = _worker(jobs_client, action_type, recorded, wakeup_queue)
    running(worker)
    await _idle(recorded)
    job_id = emulator.enqueue_job(action_type)
    record = await emulator.wait_for_job(job_id, timeout=WAIT)

    for _ in range(3):
        sqs.send_message(QueueUrl=wakeup_queue, MessageBody=_started(record))
    await until(lambda: messages_in(sqs, wakeup_queue) == 0, "the queue empties")

    assert ("Succeeded", [job_id], True) == (
        record.status.value,
        recorded.jobs,
        worker.stats.wakeups >= 2,
    )


def _started(record: Any) -> str:
    """The STARTED event of a job's action, as the rule delivers it."""
    action_type = record.action_type_id
    return json.dumps(
        {
            "detail-type": "CodePipeline Action Execution State Change",
            "source": "aws.codepipeline",
            "detail": {
                "pipeline": record.pipeline_context.pipeline_name,
                "state": "STARTED",
                "type": {
                    "owner": action_type.owner.value,
                    "category": action_type.category.value,
                    "provider": action_type.provider,
                    "version": action_type.version,
                },
            },
        }
    )


async def test_lost_event_leaves_the_job_to_the_worker_s_own_polls(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    make_queue: Callable[..., str],
    running: Callable[[Any], None],
) -> None:
    """With no event arriving (a queue no rule feeds), the own polls find the job."""
    recorded = Recorded()
    worker = _worker(
        jobs_client, action_type, recorded, make_queue(), wakeup_idle_ceiling=0.05
    )
    running(worker)
    await _idle(recorded)

    job_id = emulator.enqueue_job(action_type)
    record = await emulator.wait_for_job(job_id, timeout=WAIT)

    assert ("Succeeded", [job_id], 0) == (
        record.status.value,
        recorded.jobs,
        worker.stats.wakeups,
    )


async def test_malformed_and_foreign_messages_are_dropped(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    make_queue: Callable[..., str],
    sqs: Any,
    running: Callable[[Any], None],
) -> None:
    """Garbage and other types' events wake no poll and leave the queue."""
    url = make_queue(ALL_EVENTS)
    recorded = Recorded()
    worker = _worker(jobs_client, action_type, recorded, url)
    running(worker)
    await _idle(recorded)
    other = emulator.enqueue_job(OTHER)
    for body in ("not json", "[1, 2]", json.dumps({"detail-type": "x"})):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    emulator.flush_events()

    await until(lambda: messages_in(sqs, url) == 0, "the queue empties")

    assert (1, 0, [], "Queued") == (
        emulator.calls("PollForJobs"),
        worker.stats.wakeups,
        recorded.jobs,
        emulator.job(other).status.value,
    )


async def test_unreadable_queue_falls_back_to_the_backoff(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    running: Callable[[Any], None],
) -> None:
    """A queue that does not exist: errors counted, and the backoff finds the job."""
    recorded = Recorded()
    missing = f"{emulator.endpoint_url}/123456789012/no-such-queue"
    worker = _worker(
        jobs_client,
        action_type,
        recorded,
        missing,
        poll_backoff=Backoff(initial=0.01, maximum=0.05),
    )
    running(worker)
    await until(lambda: recorded.count(WakeupFailed) >= 1, "the read fails")

    job_id = emulator.enqueue_job(action_type)
    record = await emulator.wait_for_job(job_id, timeout=WAIT)

    stats = worker.stats
    assert ("Succeeded", [job_id], 0, True) == (
        record.status.value,
        recorded.jobs,
        stats.wakeups,
        stats.wakeup_errors >= 1,
    )


async def test_queue_readable_again_wakes_again(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    make_queue: Callable[..., str],
    sqs: Any,
    running: Callable[[Any], None],
) -> None:
    """A queue that appears after failed reads is read again, and wakes the worker."""
    recorded = Recorded()
    name = queue_name()
    worker = _worker(
        jobs_client,
        action_type,
        recorded,
        f"{emulator.endpoint_url}/123456789012/{name}",
        poll_backoff=Backoff(initial=0.01, maximum=0.05),
    )
    running(worker)
    await until(lambda: recorded.count(WakeupFailed) >= 1, "the read fails")
    url = make_queue(event_pattern(action_type), name=name)
    job_id = emulator.enqueue_job(action_type)
    emulator.flush_events()

    record = await emulator.wait_for_job(job_id, timeout=WAIT)
    await until(lambda: messages_in(sqs, url) == 0, "the event is acted on")

    assert ("Succeeded", [job_id], 1) == (
        record.status.value,
        recorded.jobs,
        recorded.count(Woken),
    )


async def test_given_sqs_client_is_used_and_left_open(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    wakeup_queue: str,
) -> None:
    """A ``wakeup_sqs_client`` reads the queue, and is still open after the run."""
    session = AioSession(session_vars=isolated_session_vars())
    async with session.create_client(  # pyright: ignore[reportUnknownMemberType]
        "sqs",
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as sqs_client:
        recorded = Recorded()
        worker = _worker(
            jobs_client,
            action_type,
            recorded,
            wakeup_queue,
            wakeup_sqs_client=sqs_client,
        )
        run = asyncio.create_task(worker.run(handle_signals=False))
        try:
            await _idle(recorded)
            job_id = emulator.enqueue_job(action_type)
            await emulator.wait_for_job(job_id, timeout=WAIT)
        finally:
            worker.stop()
            await asyncio.wait_for(run, WAIT)
        attributes = await sqs_client.get_queue_attributes(
            QueueUrl=wakeup_queue, AttributeNames=["QueueArn"]
        )

    assert ([job_id], 1, True) == (
        recorded.jobs,
        worker.stats.wakeups,
        "QueueArn" in attributes["Attributes"],
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [("sqs/queue", "is not a URL"), (42, "is an int")],
)
def test_queue_url_must_be_a_url(
    jobs_client: JobsClient, action_type: ActionTypeId, value: object, problem: str
) -> None:
    """A queue URL that is not one is refused, naming the option."""
    with pytest.raises(InvalidField) as caught:
        JobWorker(
            jobs_client,
            action_type,
            Recorded().handler,
            wakeup_queue_url=value,  # type: ignore[arg-type]
        )

    assert ("JobWorker.wakeup_queue_url", problem) == (
        caught.value.field,
        caught.value.problem,
    )
