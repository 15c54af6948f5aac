"""Many pollers at once: each job is handed to exactly one of them."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from aiobotocore.session import get_session
from emulator_helpers import BUILD, BUILD_WIRE, NO_RETRIES, PARTNER, client_kwargs

from cpjobs import JobStatus
from cpjobs.testing import CodePipelineEmulator

JOBS = 100
POLLERS = 20


def test_threads_get_each_job_once(emulator: CodePipelineEmulator) -> None:
    """20 threads polling 100 jobs: every job delivered exactly once."""
    job_ids = {emulator.enqueue_job(BUILD) for _ in range(JOBS)}

    def drain(client: Any) -> list[str]:
        delivered: list[str] = []
        while jobs := client.poll_for_jobs(actionTypeId=BUILD_WIRE, maxBatchSize=3)[
            "jobs"
        ]:
            for job in jobs:
                client.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
                delivered.append(job["id"])
        return delivered

    clients = [
        boto3.client("codepipeline", config=NO_RETRIES, **client_kwargs(emulator))
        for _ in range(POLLERS)
    ]
    try:
        with ThreadPoolExecutor(POLLERS) as pool:
            results = list(pool.map(drain, clients))
    finally:
        for client in clients:
            client.close()

    delivered = Counter(job_id for result in results for job_id in result)
    assert job_ids == set(delivered)
    assert {1} == set(delivered.values())
    assert {JobStatus.IN_PROGRESS} == {record.status for record in emulator.jobs()}


async def test_async_pollers_get_each_job_once(emulator: CodePipelineEmulator) -> None:
    """20 concurrent aiobotocore pollers, 100 jobs: every job delivered once."""
    job_ids = {emulator.enqueue_job(BUILD) for _ in range(JOBS)}

    session = get_session()

    async def drain() -> list[str]:
        delivered: list[str] = []
        async with session.create_client(
            "codepipeline", config=NO_RETRIES, **client_kwargs(emulator)
        ) as client:
            while jobs := (await client.poll_for_jobs(actionTypeId=BUILD_WIRE))["jobs"]:
                for job in jobs:
                    ack = await client.acknowledge_job(
                        jobId=job["id"], nonce=job["nonce"]
                    )
                    assert "InProgress" == ack["status"]
                    delivered.append(job["id"])
        return delivered

    results = await asyncio.gather(*(drain() for _ in range(POLLERS)))

    delivered = Counter(job_id for result in results for job_id in result)
    assert job_ids == set(delivered)
    assert {1} == set(delivered.values())


def test_new_client_gets_one_token_from_two_threads(
    emulator: CodePipelineEmulator,
) -> None:
    """Two threads queueing jobs for one new client id get the same token."""
    threads = 8
    client_id = "0b1c2d3e-4f50-4617-8283-949596979899"
    start = threading.Barrier(threads)

    def enqueue(_: int) -> str:
        start.wait(timeout=10)
        # An input artifact keeps each call busy between token and queue.
        _, _, token = emulator.enqueue_third_party_job(
            PARTNER, client_id=client_id, input_artifacts={"In": b"x"}
        )
        return token

    with ThreadPoolExecutor(threads) as pool:
        tokens = set(pool.map(enqueue, range(threads)))

    assert 1 == len(tokens)
