"""A handler that raises fails its job, and neither report nor log shows a secret."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from collections.abc import Callable

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionCategory,
    ActionConfigurationProperty,
    ActionTypeId,
    ArtifactDetails,
    FailureType,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
)
from cpjobs.testing import CodePipelineEmulator

SECRET = "hunter2-very-secret-password"


@pytest.fixture
async def action_type(jobs_client: JobsClient) -> ActionTypeId:
    """A custom action type whose definition makes ``Password`` secret, ``Glob`` not."""
    artifacts = ArtifactDetails(minimum_count=0, maximum_count=5)
    created = await jobs_client.create_custom_action_type(
        category=ActionCategory.BUILD,
        provider="cpjobs-secrets",
        version="1",
        input_artifact_details=artifacts,
        output_artifact_details=artifacts,
        configuration_properties=[
            ActionConfigurationProperty(
                name="Password", required=False, key=False, secret=True
            ),
            ActionConfigurationProperty(
                name="Glob", required=False, key=False, secret=False
            ),
        ],
    )
    return created.action_type.id


async def crash_with(
    emulator: CodePipelineEmulator,
    client: JobsClient,
    action_type: ActionTypeId,
    error: Exception | None = None,
) -> str:
    """Run one job whose handler raises; return the job id."""
    job_id = emulator.enqueue_job(
        action_type, configuration={"Password": SECRET, "Branch": "main"}
    )

    async def handler(job: Job, ctx: JobContext) -> None:
        if error is not None:
            raise error
        assert job.data is not None
        credentials = job.data.artifact_credentials
        assert credentials is not None
        raise RuntimeError(
            f"login {ctx.configuration['Password']!r} failed with "
            f"{credentials.access_key_id}/{credentials.secret_access_key}"
            f"/{credentials.session_token}"
        )

    harness = Harness(finish=1)
    await harness.run(JobWorker(client, action_type, handler, **harness.options()))
    return job_id


async def test_crash_fails_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """The failure is JobFailed with the exception's type name and message."""
    job_id = await crash_with(
        emulator, jobs_client, action_type, ValueError("bad input")
    )

    record = emulator.job(job_id)
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert FailureType.JOB_FAILED == record.failure_details.type
    assert "ValueError: bad input" == record.failure_details.message


async def test_crash_without_message(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """An exception without a message is reported by its type name."""
    job_id = await crash_with(emulator, jobs_client, action_type, KeyError())

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "KeyError" == details.message


async def test_crash_message_is_trimmed(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A huge exception message is trimmed to the 5000-character limit."""
    job_id = await crash_with(
        emulator, jobs_client, action_type, ValueError("y" * 10_000)
    )

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert 5000 == len(details.message)
    assert details.message.startswith("ValueError: yyy")


async def test_crash_report_hides_secrets(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Configuration values and artifact credentials are redacted from the report."""
    job_id = await crash_with(emulator, jobs_client, action_type)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert SECRET not in details.message
    assert "ASIA" not in details.message
    assert "RuntimeError: login '***' failed with ***/***/***" == details.message


async def test_crash_log_has_redacted_traceback(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The crash is logged with its traceback, and no record shows a secret."""
    caplog.set_level(logging.DEBUG, logger="cpjobs")

    await crash_with(emulator, jobs_client, action_type)

    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    assert "Traceback (most recent call last)" in message
    assert "RuntimeError: login '***' failed" in message
    assert record.exc_info is None
    assert SECRET not in caplog.text
    assert "ASIA" not in caplog.text


class Boom(BaseException):
    """Neither an `Exception` nor a cancellation."""


class Unprintable(Exception):
    """An exception whose ``str()`` itself fails."""

    def __str__(self) -> str:
        raise RuntimeError("no")


async def test_base_exception_still_fails_the_job(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A `BaseException` from the handler fails the job before it propagates."""
    job_id = await crash_with(emulator, jobs_client, action_type, Boom(f"out {SECRET}"))

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "Boom: out ***" == details.message
    assert "job task failed with Boom" in caplog.text
    assert SECRET not in caplog.text


async def test_unprintable_exception_still_fails_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """An exception whose ``str()`` raises is reported by its type."""
    job_id = await crash_with(emulator, jobs_client, action_type, Unprintable())

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "Unprintable: <str() failed>" == details.message


async def test_cancellation_inside_the_handler_is_a_crash(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `CancelledError` the worker did not cause fails the job like any error."""
    job_id = await crash_with(
        emulator, jobs_client, action_type, asyncio.CancelledError()
    )

    record = emulator.job(job_id)
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert "CancelledError" == record.failure_details.message


@pytest.mark.parametrize(
    "spell",
    [
        lambda secret: json.dumps({"password": secret}),
        lambda secret: f"https://user:{urllib.parse.quote(secret, safe='')}@host/",
        lambda secret: f"https://host/{urllib.parse.quote(secret)}",
        lambda secret: json.dumps({"password": secret}, ensure_ascii=False),
    ],
    ids=["json", "url", "quote", "json-unicode"],
)
async def test_escaped_secrets_are_redacted(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    spell: Callable[[str], str],
) -> None:
    """A secret quoted as JSON or in a URL is redacted too."""
    secret = 'pa"zq\\wörd/+1'
    job_id = emulator.enqueue_job(action_type, configuration={"Password": secret})

    async def handler(job: Job, ctx: JobContext) -> None:
        raise RuntimeError(spell(ctx.configuration["Password"]))

    await Harness(finish=1).work(JobWorker, jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "***" in details.message
    assert "zq" not in details.message


async def test_secret_across_the_message_limit_is_cut_whole(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A secret the 5000-character cut would split is cut off whole, not shown in part."""
    job_id = emulator.enqueue_job(action_type, configuration={"Password": SECRET})

    async def handler(job: Job, ctx: JobContext) -> None:
        raise ValueError("y" * 4970 + ctx.configuration["Password"] * 1000)

    await Harness(finish=1).work(JobWorker, jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "ValueError: " + "y" * 4970 + "..." == details.message


async def run_showing_configuration(
    emulator: CodePipelineEmulator,
    client: JobsClient,
    action_type: ActionTypeId,
    **options: object,
) -> tuple[str, str]:
    """Run a job whose handler fails quoting its configuration: its repr, the failure."""
    job_id = emulator.enqueue_job(
        action_type, configuration={"Password": SECRET, "Glob": "**/*.py"}
    )
    shown: list[str] = []

    async def handler(job: Job, ctx: JobContext) -> None:
        assert {"Password": SECRET, "Glob": "**/*.py"} == dict(ctx.configuration)
        shown.append(repr(ctx.configuration))
        raise ValueError(f"{ctx.configuration['Glob']} {ctx.configuration['Password']}")

    await Harness(finish=1).work(JobWorker, client, action_type, handler, **options)
    details = emulator.job(job_id).failure_details
    assert details is not None
    return shown[0], details.message


async def test_secret_properties_are_learned_from_the_definition(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Values of properties the action type marks secret are hidden; others show."""
    shown = await run_showing_configuration(emulator, jobs_client, action_type)

    assert (
        "{'Password': '***', 'Glob': '**/*.py'}",
        "ValueError: **/*.py ***",
    ) == shown


async def test_named_secret_properties_add_to_the_definition(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """``secret_properties`` makes more properties secret than the definition does."""
    shown = await run_showing_configuration(
        emulator, jobs_client, action_type, secret_properties={"Glob"}
    )

    assert ("{'Password': '***', 'Glob': '***'}", "ValueError: *** ***") == shown


async def test_every_value_is_secret_when_nothing_is_known(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Without ListActionTypes (no permission) and no names, every value is hidden."""
    emulator.inject_fault("ListActionTypes", code="AccessDeniedException")

    shown = await run_showing_configuration(emulator, jobs_client, action_type)

    assert ("{'Password': '***', 'Glob': '***'}", "ValueError: *** ***") == shown


async def test_named_secrets_alone_when_the_definition_is_unreadable(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Without ListActionTypes, the named properties are the secret ones."""
    emulator.inject_fault("ListActionTypes", code="AccessDeniedException")

    shown = await run_showing_configuration(
        emulator, jobs_client, action_type, secret_properties={"Password"}
    )

    assert (
        "{'Password': '***', 'Glob': '**/*.py'}",
        "ValueError: **/*.py ***",
    ) == shown


async def test_rejected_success_log_is_redacted(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The service's message quoting a secret is redacted in the log and the failure."""
    job_id = emulator.enqueue_job(action_type, configuration={"Password": SECRET})
    emulator.inject_fault(
        "PutJobSuccessResult",
        code="ValidationException",
        message=f"value {SECRET} is not allowed",
    )

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    await Harness(finish=1).work(JobWorker, jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "value *** is not allowed" in details.message
    assert "success rejected" in caplog.text
    assert SECRET not in caplog.text
