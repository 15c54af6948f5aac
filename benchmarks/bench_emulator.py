"""Calls per second through the emulator: kept-alive connections vs a new one per call.

Run: python benchmarks/bench_emulator.py [--jobs 200] [--rounds 9]

One aiobotocore client works jobs one at a time (PollForJobs,
AcknowledgeJob, PutJobSuccessResult: three calls per job) against the
emulator, which runs in a process of its own. The same loop runs with the
client's default connection pool (HTTP/1.1 keep-alive, as the emulator now
serves) and with ``force_close`` (a new TCP connection and server thread per
call, which is what every call cost while the emulator answered each one
with ``Connection: close``). Rounds alternate; prints the median calls/s of
each and the median of the per-pair ratios.

Then queueing jobs, side by side: ``POST /_cpjobs/jobs`` on the control API
(one kept-alive ``http.client`` connection, as a test in another language
would queue its jobs) against ``enqueue_job`` called in the emulator's own
process; prints the median jobs/s of each and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import statistics
import time
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from bench_worker import ACTION_TYPE, WIRE_ACTION_TYPE
from cpjobs.testing import CodePipelineEmulator

RETRIES = {"mode": "standard", "total_max_attempts": 1}
CONFIGS = {
    "keep-alive": AioConfig(retries=RETRIES),
    "close": AioConfig(
        retries=RETRIES,
        connector_args={"force_close": True, "keepalive_timeout": None},
    ),
}
CALLS_PER_JOB = 3


def serve(commands: Connection) -> None:
    """The emulator's process: serve; reset and queue jobs when asked, timed."""
    with CodePipelineEmulator.serve() as emulator:
        commands.send((emulator.endpoint_url, emulator.region))
        while (jobs := commands.recv()) is not None:
            emulator.reset()
            emulator.register_action_type(ACTION_TYPE)
            started = time.perf_counter()
            for _ in range(jobs):
                emulator.enqueue_job(ACTION_TYPE)
            commands.send(time.perf_counter() - started)


def enqueue_over_http(endpoint_url: str, jobs: int) -> float:
    """Queue ``jobs`` jobs through the control API; return jobs per second."""
    where = urlsplit(endpoint_url)
    body = json.dumps({"actionTypeId": WIRE_ACTION_TYPE}).encode()
    headers = {"Content-Type": "application/json"}
    connection = http.client.HTTPConnection(where.hostname or "", where.port)
    try:
        started = time.perf_counter()
        for _ in range(jobs):
            connection.request("POST", "/_cpjobs/jobs", body, headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 201:
                raise RuntimeError(f"the control API answered {answer.status}")
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return jobs / elapsed


async def work(endpoint_url: str, region: str, config: AioConfig, jobs: int) -> float:
    """Work ``jobs`` jobs one by one; return calls per second."""
    async with get_session().create_client(
        "codepipeline",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=config,
    ) as client:
        started = time.perf_counter()
        for _ in range(jobs):
            polled: Any = await client.poll_for_jobs(actionTypeId=WIRE_ACTION_TYPE)
            (job,) = polled["jobs"]
            await client.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
            await client.put_job_success_result(jobId=job["id"])
        elapsed = time.perf_counter() - started
    return jobs * CALLS_PER_JOB / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    commands, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(child,), daemon=True
    )
    process.start()
    endpoint_url, region = commands.recv()
    rates: dict[str, list[float]] = {name: [] for name in CONFIGS}
    queued: dict[str, list[float]] = {"control API": [], "enqueue_job": []}
    try:
        for _ in range(args.rounds):
            for name, config in CONFIGS.items():
                commands.send(args.jobs)
                commands.recv()
                rate = asyncio.run(work(endpoint_url, region, config, args.jobs))
                rates[name].append(rate)
            commands.send(0)
            commands.recv()
            queued["control API"].append(enqueue_over_http(endpoint_url, args.jobs))
            commands.send(args.jobs)
            queued["enqueue_job"].append(args.jobs / commands.recv())
    finally:
        commands.send(None)
        process.join()

    for name, values in rates.items():
        print(f"{name:>11}: {statistics.median(values):7.0f} calls/s (median)")
    ratios = [kept / closed for kept, closed in zip(*rates.values(), strict=True)]
    print(f"keep-alive / close: {statistics.median(ratios):.2f}x (median of pairs)")
    for name, values in queued.items():
        print(f"{name:>11}: {statistics.median(values):7.0f} jobs queued/s (median)")
    pairs = zip(*queued.values(), strict=True)
    print(
        "control API / enqueue_job: "
        f"{statistics.median(http / local for http, local in pairs):.2f}x "
        "(median of pairs)"
    )


if __name__ == "__main__":
    main()
