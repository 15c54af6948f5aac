"""``python -m cpjobs demo``: a `JobWorker` on the embedded emulator, end to end.

It starts `cpjobs.testing.CodePipelineEmulator`, queues jobs whose input
artifact is a zip of text files (one of them corrupt), and runs a worker whose
handler extracts each artifact through ``ctx.artifacts`` (the job's own
credentials, safe extraction), counts its files and lines, uploads a JSON
report as the output artifact and reports output variables. Nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ._client import JobsClient
from ._context import JobContext
from ._events import JobFinished, JobResult, WorkerEvent
from ._models import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ExecutionDetails,
    Job,
)
from ._outcomes import Success
from ._worker import JobWorker

if TYPE_CHECKING:
    from .testing import CodePipelineEmulator

__all__ = ["run_demo"]

ACTION_TYPE = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="cpjobs-demo",
    version="1",
)
_CORRUPT: bytes = b"PK\x03\x04 this is not really a zip archive"
_WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")


def _source_zip(number: int) -> bytes:
    """A small zip of text files, different for each job."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(2 + number % 4):
            lines = [
                f"{_WORDS[(number + index + line) % len(_WORDS)]} {line}"
                for line in range(5 + (number * 7 + index) % 40)
            ]
            archive.writestr(f"src/file_{index}.txt", "\n".join(lines) + "\n")
    return buffer.getvalue()


def _inspect(tree: Path) -> dict[str, int]:
    """Files and lines under an extracted tree."""
    files = [path for path in tree.rglob("*") if path.is_file()]
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    return {"files": len(files), "lines": lines}


async def handle(job: Job, ctx: JobContext) -> Success:
    """Extract the input, summarise it, upload a report, output variables."""
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="cpjobs-demo-"))
    try:
        tree = await ctx.artifacts.input("Source").extract(scratch / "source")
        summary = await asyncio.to_thread(_inspect, tree)
        ctx.logger.info("inspected %s", summary)
        report = scratch / "report.json"
        await asyncio.to_thread(
            report.write_text, json.dumps({"job": ctx.job_id, **summary})
        )
        await ctx.artifacts.output("Report").upload_file(
            report, content_type="application/json"
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)
    return Success(
        execution_details=ExecutionDetails(
            summary=f"{summary['files']} files, {summary['lines']} lines",
            percent_complete=100,
        ),
        output_variables={k: str(v) for k, v in summary.items()},
    )


class _Progress:
    """Counts finished jobs; one updating line on a terminal, plain lines otherwise."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.tty = out.isatty()
        self.done = 0
        self.failed = 0
        self.started = time.perf_counter()
        self.worker: JobWorker | None = None

    def on_event(self, event: WorkerEvent) -> None:
        if not isinstance(event, JobFinished):
            return
        self.done += 1
        if event.result is not JobResult.SUCCEEDED:
            self.failed += 1
        elapsed = time.perf_counter() - self.started
        line = (
            f"{self.done:3d}/{self.total} jobs  "
            f"{self.done - self.failed:3d} ok  {self.failed:3d} failed  "
            f"{self.done / elapsed if elapsed else 0.0:6.1f} jobs/s"
        )
        if self.tty:
            self.out.write(f"\r{line}")
            if self.done == self.total:
                self.out.write("\n")
        else:
            self.out.write(f"{line}  ({event.result.value}: {event.job_id})\n")
        self.out.flush()
        if self.done >= self.total and self.worker is not None:
            self.worker.stop()


async def _enqueue(emulator: CodePipelineEmulator, jobs: int, broken: int) -> list[str]:
    def enqueue() -> list[str]:
        emulator.register_action_type(ACTION_TYPE)
        return [
            emulator.enqueue_job(
                ACTION_TYPE,
                configuration={"Report": "summary.json"},
                input_artifacts={
                    "Source": _CORRUPT if number == broken else _source_zip(number)
                },
                output_artifacts=["Report"],
                pipeline_name="demo-pipeline",
                stage_name="Build",
                action_name="Inspect",
            )
            for number in range(jobs)
        ]

    return await asyncio.to_thread(enqueue)


async def run_demo(
    *, jobs: int = 24, concurrency: int = 8, out: TextIO = sys.stdout
) -> int:
    """Run the demo; return the exit status (0 when it went as planned)."""
    from .testing import CodePipelineEmulator

    # The broken job's traceback is logged at ERROR; the summary shows it.
    logging.getLogger("cpjobs").addHandler(logging.NullHandler())
    broken = jobs // 2 if jobs > 1 else -1
    out.write("starting the CodePipeline emulator on 127.0.0.1 ...\n")
    async with CodePipelineEmulator.aserve() as emulator:
        out.write(f"  {emulator.endpoint_url}\n")
        out.write(
            f"queueing {jobs} jobs with zipped source artifacts"
            f"{' (one corrupt)' if broken >= 0 else ''} ...\n"
        )
        job_ids = await _enqueue(emulator, jobs, broken)
        out.write(f"working them with a JobWorker, {concurrency} at a time:\n")
        out.flush()
        progress = _Progress(jobs, out)
        async with JobsClient.create(
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
        ) as client:
            worker = JobWorker(
                client,
                ACTION_TYPE,
                handle,
                max_concurrency=concurrency,
                on_event=progress.on_event,
            )
            progress.worker = worker
            progress.started = time.perf_counter()
            await worker.run()
            elapsed = time.perf_counter() - progress.started
        records = [emulator.job(job_id) for job_id in job_ids]
        report = (
            json.loads(emulator.read_artifact(job_ids[0], "Report")) if jobs else None
        )

    stats = worker.stats
    failures = [r for r in records if r.failure_details is not None]
    rows = [
        ("jobs", str(len(records))),
        ("succeeded", str(stats.succeeded)),
        ("failed", str(stats.failed)),
        ("elapsed", f"{elapsed:.2f} s"),
        ("throughput", f"{len(records) / elapsed:.1f} jobs/s"),
        ("polls (empty)", f"{stats.polls} ({stats.empty_polls})"),
    ]
    width = max(len(name) for name, _ in rows)
    out.write("\nsummary\n")
    for name, value in rows:
        out.write(f"  {name:<{width}}  {value}\n")
    if report is not None:
        out.write(f"\nfirst job's report artifact: {json.dumps(report)}\n")
    for record in failures:
        assert record.failure_details is not None
        out.write(
            f"\nfailed job {record.id}\n"
            f"  type:    {record.failure_details.type.value}\n"
            f"  message: {record.failure_details.message}\n"
        )
    out.flush()
    expected_failures = 1 if broken >= 0 else 0
    ok = stats.succeeded == jobs - expected_failures and len(failures) == (
        expected_failures
    )
    return 0 if ok else 1
