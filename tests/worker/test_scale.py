"""Four worker processes on one emulator work every job exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from cpjobs import ActionCategory, ActionOwner, ActionTypeId, JobStatus
from cpjobs.testing import CodePipelineEmulator

WORKERS = 4
JOBS = 300
#: A hang guard only: the test asserts on what happened, never on time.
DEADLINE = 120.0
SCRIPT = Path(__file__).with_name("scale_worker.py")


def ready_line(process: subprocess.Popen[str]) -> str:
    """The first line a worker process prints: "ready" once it polls."""
    assert process.stdout is not None
    return process.stdout.readline()


def test_every_job_exactly_once_across_processes() -> None:
    """300 jobs, 4 processes: each job is dispatched, worked and reported once."""
    action_type = ActionTypeId(
        category=ActionCategory.BUILD,
        owner=ActionOwner.CUSTOM,
        provider="cpjobs-scale",
        version="1",
    )
    with CodePipelineEmulator.serve() as emulator:
        job_ids = [emulator.enqueue_job(action_type) for _ in range(JOBS)]
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(SCRIPT),
                    emulator.endpoint_url,
                    emulator.region,
                    action_type.provider,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        try:
            deadline = time.monotonic() + DEADLINE
            while time.monotonic() < deadline and not all(
                emulator.job(i).status is JobStatus.SUCCEEDED for i in job_ids
            ):
                time.sleep(0.05)
        finally:
            # SIGTERM only once each has its handler in place (or has died).
            readiness = [ready_line(process) for process in processes]
            for process in processes:
                process.send_signal(signal.SIGTERM)
            outputs = [process.communicate(timeout=30)[0] for process in processes]
        records = [emulator.job(i) for i in job_ids]

    stats = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    assert ["ready\n"] * WORKERS == readiness
    assert [0] * WORKERS == [process.returncode for process in processes]
    assert {JobStatus.SUCCEEDED} == {record.status for record in records}
    assert {1} == {record.dispatch_count for record in records}
    assert JOBS == sum(s["jobs_started"] for s in stats)
    assert JOBS == sum(s["succeeded"] for s in stats)
    assert 0 == sum(s["failed"] + s["unreported"] + s["races_lost"] for s in stats)
    pids = {
        record.success.output_variables["worker"]
        for record in records
        if record.success is not None and record.success.output_variables
    }
    assert pids <= {str(process.pid) for process in processes}
