"""Artifact transfers through the emulator's S3: cpjobs vs aiobotocore vs boto3.

Run: python benchmarks/bench_artifacts.py [--sizes 64 512] [--repeat 3]

For each size (MiB), a job whose input artifact holds that many random bytes
is queued on an emulator running in a process of its own; each case then
downloads the input to a file and uploads a file of the same size to the
job's output artifact, with the job's own credentials, three ways:

- cpjobs: ``ArtifactStore.input().download`` / ``output().upload_file``;
- aiobotocore: a plain ``get_object`` body streamed to a file /
  ``put_object`` with the open file as body;
- boto3: the managed transfer, ``download_file`` / ``upload_file``.

Every case runs in a fresh process (spawned), so that one case's memory does
not count in another's: the process samples its resident set every 5 ms and
reports the peak growth over what it held before the transfer. Time and
memory include creating the S3 client (cpjobs's too, made at the first
transfer) but not the JobsClient a cpjobs worker already has. Cases are interleaved,
``--repeat`` times at the smallest size and once at larger ones; the table
shows the median MiB/s and the largest RSS growth of each, and the ratio of
cpjobs to the faster baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ArtifactStore,
    Job,
    JobsClient,
    converter,
)
from cpjobs.testing import CodePipelineEmulator

ACTION_TYPE = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="cpjobs-bench",
    version="1",
)
MIB = 1 << 20
KINDS = ("cpjobs", "aiobotocore", "boto3")
DIRECTIONS = ("download", "upload")


# --- the emulator's process ----------------------------------------------------------


def serve(commands: Connection) -> None:
    """Serve the emulator; queue jobs with an input of the asked size."""
    with CodePipelineEmulator.serve() as emulator:
        commands.send((emulator.endpoint_url, emulator.region))
        while True:
            command, size = commands.recv()
            if command != "job":
                return
            content = os.urandom(size)
            emulator.enqueue_job(
                ACTION_TYPE, input_artifacts={"In": content}, output_artifacts=["Out"]
            )
            del content
            commands.send(None)


# --- one case, in its own process ----------------------------------------------------


class PeakRss:
    """Samples this process's resident set in a thread; keeps the peak."""

    def __init__(self) -> None:
        self.start = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def growth(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())
        return self.peak - self.start


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Meter:
    """Time and peak RSS growth from `start` (client creation included) to `stop`."""

    def start(self) -> None:
        self.memory = PeakRss()
        self.started = time.perf_counter()

    def stop(self) -> tuple[float, int]:
        return time.perf_counter() - self.started, self.memory.growth()


def run_case(
    kind: str, direction: str, setup: dict[str, Any], results: Connection
) -> None:
    """Run one transfer; send back its seconds and peak RSS growth."""
    job = converter.structure(setup["job"], Job)
    meter = Meter()
    if kind == "boto3":
        meter.start()
        boto3_case(direction, setup, job)
    elif kind == "aiobotocore":
        meter.start()
        asyncio.run(aiobotocore_case(direction, setup, job))
    else:
        # A worker has its JobsClient already: the S3 client is what counts.
        asyncio.run(cpjobs_case(direction, setup, job, meter))
    results.send(meter.stop())


def jobs_client(setup: dict[str, Any]) -> JobsClient:
    return JobsClient.create(
        region_name=setup["region"],
        endpoint_url=setup["endpoint_url"],
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def locations(job: Job) -> tuple[Any, Any]:
    assert job.data is not None
    inputs, outputs = job.data.input_artifacts or (), job.data.output_artifacts or ()
    source, target = inputs[0].location, outputs[0].location
    assert source is not None
    assert target is not None
    assert source.s3_location is not None
    assert target.s3_location is not None
    return source.s3_location, target.s3_location


def s3_kwargs(setup: dict[str, Any], job: Job) -> dict[str, Any]:
    assert job.data is not None
    assert job.data.artifact_credentials is not None
    credentials = job.data.artifact_credentials
    return {
        "region_name": setup["region"],
        "endpoint_url": setup["endpoint_url"],
        "aws_access_key_id": credentials.access_key_id,
        "aws_secret_access_key": credentials.secret_access_key,
        "aws_session_token": credentials.session_token,
    }


async def cpjobs_case(
    direction: str, setup: dict[str, Any], job: Job, meter: Meter
) -> None:
    async with jobs_client(setup) as client:
        meter.start()
        async with ArtifactStore(client, job) as store:
            if direction == "download":
                await store.input().download(setup["target"])
            else:
                await store.output().upload_file(setup["source"])


async def aiobotocore_case(direction: str, setup: dict[str, Any], job: Job) -> None:
    from aiobotocore.session import get_session

    source, target = locations(job)
    async with get_session().create_client("s3", **s3_kwargs(setup, job)) as s3:
        if direction == "download":
            response = await s3.get_object(
                Bucket=source.bucket_name, Key=source.object_key
            )
            # The plain way: file I/O on the loop, as hand-written workers do.
            with open(setup["target"], "wb") as file:  # noqa: ASYNC230
                async for chunk in response["Body"].iter_chunks(MIB):
                    file.write(chunk)
        else:
            with open(setup["source"], "rb") as file:  # noqa: ASYNC230
                await s3.put_object(
                    Bucket=target.bucket_name, Key=target.object_key, Body=file
                )


def boto3_case(direction: str, setup: dict[str, Any], job: Job) -> None:
    import boto3

    source, target = locations(job)
    s3 = boto3.client("s3", **s3_kwargs(setup, job))
    if direction == "download":
        s3.download_file(source.bucket_name, source.object_key, setup["target"])
    else:
        s3.upload_file(setup["source"], target.bucket_name, target.object_key)
    s3.close()


def in_child(kind: str, direction: str, setup: dict[str, Any]) -> tuple[float, int]:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=run_case, args=(kind, direction, setup, send)
    )
    process.start()
    result: tuple[float, int] = receive.recv()
    process.join()
    return result


# --- the benchmark ----------------------------------------------------------------------


async def poll_job(setup: dict[str, Any]) -> dict[str, Any]:
    async with jobs_client(setup) as client:
        jobs = (await client.poll_for_jobs(action_type_id=ACTION_TYPE)).jobs or ()
        assert len(jobs) == 1
        assert jobs[0].id is not None
        assert jobs[0].nonce is not None
        # Acknowledged, so that it is not handed out again after 60 s.
        await client.acknowledge_job(job_id=jobs[0].id, nonce=jobs[0].nonce)
        wire: dict[str, Any] = converter.unstructure(jobs[0])
        return wire


def write_random(path: Path, size: int) -> None:
    with path.open("wb") as file:
        for _ in range(size // MIB):
            file.write(os.urandom(MIB))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    commands, child = multiprocessing.Pipe()
    emulator = multiprocessing.get_context("spawn").Process(
        target=serve, args=(child,), daemon=True
    )
    emulator.start()
    endpoint_url, region = commands.recv()
    rows: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="cpjobs-bench-") as scratch:
            for size_mib in args.sizes:
                rows.extend(
                    bench_size(size_mib, args, commands, endpoint_url, region, scratch)
                )
    finally:
        commands.send(("stop", 0))
        emulator.join()
    print(*rows, sep="\n")


def bench_size(
    size_mib: int,
    args: argparse.Namespace,
    commands: Connection,
    endpoint_url: str,
    region: str,
    scratch: str,
) -> list[str]:
    size = size_mib * MIB
    commands.send(("job", size))
    commands.recv()
    setup: dict[str, Any] = {"endpoint_url": endpoint_url, "region": region}
    setup["job"] = asyncio.run(poll_job(setup))
    source = Path(scratch) / f"source-{size_mib}"
    write_random(source, size)
    setup["source"] = str(source)
    setup["target"] = str(Path(scratch) / f"target-{size_mib}")
    repeat = args.repeat if size_mib == min(args.sizes) else 1
    seconds: dict[tuple[str, str], list[float]] = {}
    growth: dict[tuple[str, str], list[int]] = {}
    for _ in range(repeat):
        for direction in DIRECTIONS:
            for kind in KINDS:
                took, grew = in_child(kind, direction, setup)
                if direction == "download":
                    got = os.path.getsize(setup["target"])
                    assert got == size, (kind, got, size)
                    os.unlink(setup["target"])
                seconds.setdefault((kind, direction), []).append(took)
                growth.setdefault((kind, direction), []).append(grew)
    os.unlink(source)
    return table(size_mib, repeat, seconds, growth)


def table(
    size_mib: int,
    repeat: int,
    seconds: dict[tuple[str, str], list[float]],
    growth: dict[tuple[str, str], list[int]],
) -> list[str]:
    rows = [
        f"\n{size_mib} MiB ({repeat} run{'s' if repeat > 1 else ''} each, "
        "median MiB/s, peak RSS growth MiB)",
        f"{'':10}" + "".join(f"{kind:>22}" for kind in KINDS) + f"{'ratio':>10}",
    ]
    for direction in DIRECTIONS:
        speeds = {
            kind: size_mib / statistics.median(seconds[(kind, direction)])
            for kind in KINDS
        }
        cells = "".join(
            f"{speeds[kind]:>11.0f} {max(growth[(kind, direction)]) / MIB:>6.0f} MiB  "
            for kind in KINDS
        )
        faster = max(speeds["aiobotocore"], speeds["boto3"])
        rows.append(f"{direction:10}{cells}{speeds['cpjobs'] / faster:>8.2f}x")
    return rows


if __name__ == "__main__":
    main()
