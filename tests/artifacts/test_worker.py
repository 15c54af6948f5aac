"""The worker's handlers get the store as ``ctx.artifacts``; artifact errors fail the job."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import pytest

from cpjobs import (
    ArtifactTransferred,
    ClientNotOpen,
    FailureType,
    Job,
    JobContext,
    JobHandler,
    JobsClient,
    JobStatus,
    JobWorker,
    Success,
    TransferDirection,
    WorkerEvent,
)
from cpjobs.testing import CodePipelineEmulator, JobRecord

from .archives import zip_of
from .conftest import ACTION


async def work(
    emulator: CodePipelineEmulator,
    client: JobsClient,
    job_id: str,
    handler: JobHandler,
    events: list[WorkerEvent] | None = None,
) -> JobRecord:
    """Run a JobWorker until the job is done; return its final record."""
    worker = JobWorker(
        client,
        ACTION,
        handler,
        on_event=None if events is None else events.append,
    )
    running = asyncio.create_task(worker.run())
    try:
        return await emulator.wait_for_job(job_id, timeout=30)
    finally:
        worker.stop()
        await running


async def test_a_handler_extracts_and_uploads_through_ctx(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, tmp_path: Path
) -> None:
    """A handler reads its input and writes its output with ctx.artifacts alone."""
    job_id = emulator.enqueue_job(
        ACTION,
        input_artifacts={"Source": zip_of({"a.txt": b"alpha", "b.txt": b"beta"})},
        output_artifacts=["Report"],
        encryption_key=True,
    )

    async def lint(job: Job, ctx: JobContext) -> Success:
        source = await ctx.artifacts.input().extract(tmp_path / "src")
        report = tmp_path / "report"
        report.mkdir()
        names = sorted(path.name for path in source.iterdir())
        (report / "files.txt").write_text("\n".join(names))
        await ctx.artifacts.output().upload_directory(report)
        return Success(output_variables={"Files": str(len(names))})

    record = await work(emulator, jobs_client, job_id, lint)

    with zipfile.ZipFile(io.BytesIO(emulator.read_artifact(job_id, "Report"))) as out:
        listing = out.read("files.txt")
    assert (JobStatus.SUCCEEDED, b"a.txt\nb.txt") == (record.status, listing)


async def test_transfers_reach_the_workers_on_event(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, tmp_path: Path
) -> None:
    """Each transfer of ctx.artifacts is an ArtifactTransferred worker event."""
    job_id = emulator.enqueue_job(
        ACTION, input_artifacts={"In": b"12345"}, output_artifacts=["Out"]
    )
    events: list[WorkerEvent] = []

    async def copy(job: Job, ctx: JobContext) -> None:
        path = await ctx.artifacts.input().download(tmp_path / "in")
        await ctx.artifacts.output().upload_file(path)

    await work(emulator, jobs_client, job_id, copy, events)

    assert [
        ("In", TransferDirection.DOWNLOAD, 5),
        ("Out", TransferDirection.UPLOAD, 5),
    ] == [
        (event.artifact, event.direction, event.size)
        for event in events
        if isinstance(event, ArtifactTransferred)
    ]


async def test_the_store_is_closed_when_the_job_ends(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, tmp_path: Path
) -> None:
    """Once its job is reported, the context gives out no artifact store."""
    job_id = emulator.enqueue_job(ACTION, input_artifacts={"In": b"x"})
    kept: list[JobContext] = []

    async def keep(job: Job, ctx: JobContext) -> None:
        await ctx.artifacts.input().download(tmp_path / "in")
        kept.append(ctx)

    await work(emulator, jobs_client, job_id, keep)

    with pytest.raises(ClientNotOpen):
        kept[0].artifacts.input()


async def test_a_failed_upload_is_reported_as_a_failure(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, tmp_path: Path
) -> None:
    """A handler that would succeed after its upload failed reports failure instead.

    The credentials expire at once and fresh ones do too, so the upload is
    refused whatever the store does: the job fails as a permission error,
    and the message names the artifact and S3's reason, no credential.
    """
    emulator.set_timeouts(credentials=0.001)
    job_id = emulator.enqueue_job(ACTION, output_artifacts=["Out"])
    emulator.advance_clock(1)
    (tmp_path / "out").write_bytes(b"result")

    async def build(job: Job, ctx: JobContext) -> Success:
        await ctx.artifacts.output().upload_file(tmp_path / "out")
        return Success(output_variables={"Built": "yes"})

    record = await work(emulator, jobs_client, job_id, build)

    assert record.failure_details is not None
    message = record.failure_details.message
    assert (JobStatus.FAILED, FailureType.PERMISSION_ERROR, True, True) == (
        record.status,
        record.failure_details.type,
        "artifact 'Out'" in message,
        "ExpiredToken" in message,
    )


async def test_an_unsafe_input_fails_the_job_naming_the_entry(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, tmp_path: Path
) -> None:
    """A zip-slip input fails the job with the entry and the rule in the message."""
    job_id = emulator.enqueue_job(
        ACTION, input_artifacts={"Source": zip_of({"../evil": b"x"})}
    )

    async def unpack(job: Job, ctx: JobContext) -> None:
        await ctx.artifacts.input().extract(tmp_path / "src")

    record = await work(emulator, jobs_client, job_id, unpack)

    assert record.failure_details is not None
    assert (JobStatus.FAILED, True) == (
        record.status,
        "'../evil' refused: parent directory reference"
        in record.failure_details.message,
    )
