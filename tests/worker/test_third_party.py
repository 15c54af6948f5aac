"""Third-party jobs: client token lookup, details, acknowledgement, result."""

from __future__ import annotations

import logging

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    ClientTokenProvider,
    Continue,
    ExecutionDetails,
    JobContext,
    JobsClient,
    JobStatus,
    SkipReason,
    Success,
    ThirdPartyJobDetails,
    ThirdPartyJobWorker,
)
from cpjobs.testing import CodePipelineEmulator


async def test_third_party_job_succeeds(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """The handler gets the job's details; its success is reported with the token."""
    job_id, client_id, token = emulator.enqueue_third_party_job(
        third_party_type, configuration={"Stack": "web"}
    )
    seen: list[str] = []

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> Success:
        assert job.id is not None
        seen.append(job.id)
        return Success(execution_details=ExecutionDetails(summary="deployed"))

    await Harness(finish=1).work(
        ThirdPartyJobWorker,
        jobs_client,
        third_party_type,
        handler,
        {client_id: token}.get,
    )

    record = emulator.job(job_id)
    assert [job_id] == seen
    assert JobStatus.SUCCEEDED == record.status
    assert record.success is not None
    assert ExecutionDetails(summary="deployed") == record.success.execution_details


async def test_async_token_provider_and_continue(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """An async token provider works, and `Continue` hands the job on."""
    job_id, client_id, token = emulator.enqueue_third_party_job(third_party_type)

    async def provider(asked: str) -> str | None:
        return token if asked == client_id else None

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> Continue:
        return Continue("next")

    await Harness(finish=1).work(
        ThirdPartyJobWorker, jobs_client, third_party_type, handler, provider
    )

    record = emulator.job(job_id)
    assert record.success is not None
    assert "next" == record.success.continuation_token


def failing_provider(client_id: str) -> str:
    """A token store that is down; its message quotes a secret."""
    raise ConnectionError("vault at https://user:s3cr3t-pass@vault/ is down")


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        (lambda client_id: None, SkipReason.UNKNOWN_CLIENT),
        (failing_provider, SkipReason.CLAIM_FAILED),
    ],
    ids=["unknown", "failing"],
)
async def test_client_without_a_token_is_skipped(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
    provider: ClientTokenProvider,
    reason: SkipReason,
) -> None:
    """A job whose token cannot be had is logged by client id and left alone.

    A failing provider is logged by its exception's type only: its message
    may quote a secret.
    """
    job_id, client_id, _ = emulator.enqueue_third_party_job(third_party_type)
    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
        raise AssertionError("not ours")

    worker = ThirdPartyJobWorker(
        jobs_client, third_party_type, handler, provider, **harness.options()
    )
    await harness.run(worker)

    assert [reason] == [e.reason for e in harness.skipped]
    assert 1 == worker.stats.skipped
    assert JobStatus.DISPATCHED == emulator.job(job_id).status
    assert any(client_id in r.getMessage() for r in caplog.records)
    assert "s3cr3t" not in caplog.text


async def test_wrong_token_is_logged_and_counted(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token the service rejects (InvalidClientToken) is logged as an error."""
    job_id, client_id, _token = emulator.enqueue_third_party_job(third_party_type)
    wrong = "not-the-token-0000"
    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
        raise AssertionError("not ours")

    worker = ThirdPartyJobWorker(
        jobs_client,
        third_party_type,
        handler,
        {client_id: wrong}.get,
        **harness.options(),
    )
    await harness.run(worker)

    [skip] = harness.skipped
    assert SkipReason.INVALID_CLIENT_TOKEN == skip.reason
    assert "InvalidClientTokenException" == getattr(skip.error, "code", None)
    assert 1 == worker.stats.skipped
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert 1 == len(errors)
    assert wrong not in caplog.text
    assert JobStatus.DISPATCHED == emulator.job(job_id).status


async def test_crash_hides_the_client_token(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """A crash that quotes the client token is reported without it."""
    job_id, client_id, token = emulator.enqueue_third_party_job(third_party_type)

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
        raise PermissionError(f"token {token} refused")

    await Harness(finish=1).work(
        ThirdPartyJobWorker,
        jobs_client,
        third_party_type,
        handler,
        {client_id: token}.get,
    )

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "PermissionError: token *** refused" == details.message


async def test_output_variables_fail_a_third_party_job(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """Third-party actions have no output variables: such a success fails the job."""
    job_id, client_id, token = emulator.enqueue_third_party_job(third_party_type)

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> Success:
        return Success(output_variables={"a": "b"})

    await Harness(finish=1).work(
        ThirdPartyJobWorker,
        jobs_client,
        third_party_type,
        handler,
        {client_id: token}.get,
    )

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "no output variables" in details.message


async def test_lost_third_party_race_is_counted(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """An InvalidNonce on acknowledgement is a lost race for third-party jobs too."""
    job_id, client_id, token = emulator.enqueue_third_party_job(third_party_type)
    emulator.inject_fault("AcknowledgeThirdPartyJob", code="InvalidNonceException")

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
        raise AssertionError("not ours")

    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()  # first empty poll
    worker = await harness.work(
        ThirdPartyJobWorker,
        jobs_client,
        third_party_type,
        handler,
        {client_id: token}.get,
    )

    assert [SkipReason.RACE_LOST] == [e.reason for e in harness.skipped]
    assert (1, 0) == (worker.stats.races_lost, worker.stats.jobs_started)
    assert JobStatus.DISPATCHED == emulator.job(job_id).status


async def test_third_party_credentials_refresh(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """`refresh_credentials` goes through GetThirdPartyJobDetails with the token."""
    job_id, client_id, token = emulator.enqueue_third_party_job(third_party_type)
    seen: list[str] = []

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
        assert ctx.artifact_credentials is not None
        seen.append(ctx.artifact_credentials.access_key_id)
        seen.append((await ctx.refresh_credentials()).access_key_id)

    await Harness(finish=1).work(
        ThirdPartyJobWorker,
        jobs_client,
        third_party_type,
        handler,
        {client_id: token}.get,
    )

    first, fresh = seen
    assert first != fresh
    assert 2 == emulator.calls("GetThirdPartyJobDetails")
    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


async def test_client_tokens_as_a_mapping(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    third_party_type: ActionTypeId,
) -> None:
    """A plain dict of client tokens works as the token provider."""
    job_id, client_id, token = emulator.enqueue_third_party_job(third_party_type)

    async def handler(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
        return None

    await Harness(finish=1).work(
        ThirdPartyJobWorker, jobs_client, third_party_type, handler, {client_id: token}
    )

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status
