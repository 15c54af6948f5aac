"""Logs: the job's fields on every record, JSON lines, one-line setup."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

import cpjobs
from cpjobs.testing import CodePipelineEmulator

LINT = cpjobs.ActionTypeId(
    category="Test", owner="Custom", provider="LogTest", version="1"
)
JOB_FIELDS = {
    "job_id": "11111111-2222-4333-8444-555555555555",
    "pipeline": "web",
    "execution_id": "e-1",
    "stage": "Check",
    "action": "Lint",
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Configure logging for the test's own logger into a buffer, and undo it."""
    stream = io.StringIO()
    yield stream
    target = logging.getLogger("cpjobs.tests")
    for handler in list(target.handlers):
        target.removeHandler(handler)
    target.setLevel(logging.NOTSET)


def log_to(stream: io.StringIO, fmt: str) -> logging.Logger:
    cpjobs.configure_logging(format=fmt, stream=stream, logger="cpjobs.tests")  # type: ignore[arg-type]
    return logging.getLogger("cpjobs.tests.app")


class TestText:
    def test_record_without_a_job_shows_placeholders(
        self, captured: io.StringIO
    ) -> None:
        """A format naming the job fields works on a record that is not about a job."""
        log_to(captured, "text").warning("starting")

        assert (
            captured.getvalue()
            .rstrip()
            .endswith("WARNING cpjobs.tests.app [job -] starting")
        )

    def test_record_about_a_job_shows_its_id(self, captured: io.StringIO) -> None:
        """A record with the worker's extra shows the job id."""
        log_to(captured, "text").info("done", extra=JOB_FIELDS)

        assert f"[job {JOB_FIELDS['job_id']}] done" in captured.getvalue()

    def test_filter_fills_any_handler(self) -> None:
        """The filter lets a hand-made format name every job field."""
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(cpjobs.JobFieldsFilter(placeholder="?"))
        handler.setFormatter(
            logging.Formatter("%(pipeline)s/%(stage)s/%(action)s %(message)s")
        )
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi", None, None)

        handler.handle(record)

        assert "?/?/? hi\n" == stream.getvalue()


class TestJson:
    def test_job_fields_and_extras_are_members(self, captured: io.StringIO) -> None:
        """A record about a job is one JSON object with its fields and extras."""
        log_to(captured, "json").info(
            "reported %s", "ok", extra={**JOB_FIELDS, "attempt": 2, "where": object}
        )

        entry = json.loads(captured.getvalue())
        assert {
            **JOB_FIELDS,
            "level": "INFO",
            "logger": "cpjobs.tests.app",
            "message": "reported ok",
            "attempt": 2,
            "where": "<class 'object'>",
        } == {key: value for key, value in entry.items() if key != "time"}

    def test_record_without_a_job_has_no_job_members(
        self, captured: io.StringIO
    ) -> None:
        """Fields a record does not have are left out, not written as '-'."""
        log_to(captured, "json").warning("idle")

        assert {"time", "level", "logger", "message"} == set(
            json.loads(captured.getvalue())
        )

    def test_exception_is_one_member_of_one_line(self, captured: io.StringIO) -> None:
        """A traceback stays inside the record's one line."""
        try:
            raise ValueError("boom")
        except ValueError:
            log_to(captured, "json").exception("failed")

        (line,) = captured.getvalue().splitlines()
        assert "ValueError: boom" in json.loads(line)["exception"]


class TestConfigure:
    def test_second_call_replaces_the_first(self, captured: io.StringIO) -> None:
        """Configuring again leaves one cpjobs handler, with the new format."""
        log_to(io.StringIO(), "text")
        log_to(captured, "json").warning("once")

        handlers = logging.getLogger("cpjobs.tests").handlers
        assert (1, "once") == (
            len(handlers),
            json.loads(captured.getvalue())["message"],
        )

    def test_unknown_format_is_refused(self) -> None:
        """Only text and json are formats."""
        with pytest.raises(ValueError, match="'yaml'"):
            cpjobs.configure_logging(format="yaml")  # type: ignore[arg-type]


async def test_worker_records_carry_the_job(
    emulator: CodePipelineEmulator, jobs_client: cpjobs.JobsClient
) -> None:
    """A failing handler's error record, as JSON, names the job's pipeline, stage, action."""
    stream = io.StringIO()
    handler = cpjobs.configure_logging(
        format="json", stream=stream, logger="cpjobs.worker"
    )
    emulator.register_action_type(LINT)
    job_id = emulator.enqueue_job(
        LINT, pipeline_name="web", stage_name="Check", action_name="Lint"
    )

    async def fail(job: cpjobs.Job, ctx: cpjobs.JobContext) -> None:
        raise RuntimeError("lint crashed")

    worker = cpjobs.JobWorker(jobs_client, LINT, fail)
    running = asyncio.create_task(worker.run(handle_signals=False))
    try:
        await emulator.wait_for_job(job_id)
    finally:
        worker.stop()
        await running
        logging.getLogger("cpjobs.worker").removeHandler(handler)
        logging.getLogger("cpjobs.worker").setLevel(logging.NOTSET)

    errors = [
        entry
        for entry in map(json.loads, stream.getvalue().splitlines())
        if entry["level"] == "ERROR"
    ]
    assert [(job_id, "web", "Check", "Lint")] == [
        (e["job_id"], e["pipeline"], e["stage"], e["action"]) for e in errors
    ]
