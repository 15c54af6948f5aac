"""Third-party jobs: client ids, client tokens and their operations."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_helpers import BUILD, BUILD_WIRE, PARTNER, PARTNER_WIRE, error_of

from cpjobs import FailureDetails, FailureType, JobStatus
from cpjobs.testing import CodePipelineEmulator

UNKNOWN_JOB = "00000000-0000-0000-0000-000000000000"


def poll(codepipeline: Any) -> dict[str, Any]:
    (job,) = codepipeline.poll_for_third_party_jobs(actionTypeId=PARTNER_WIRE)["jobs"]
    return job


def claim(codepipeline: Any, job_id: str, client_token: str) -> dict[str, Any]:
    """Poll, get the details and acknowledge; return the details."""
    poll(codepipeline)
    details = codepipeline.get_third_party_job_details(
        jobId=job_id, clientToken=client_token
    )["jobDetails"]
    codepipeline.acknowledge_third_party_job(
        jobId=job_id, nonce=details["nonce"], clientToken=client_token
    )
    return details


def test_poll_answers_client_id_and_job_id(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """PollForThirdPartyJobs answers only clientId and jobId."""
    job_id, client_id, _ = emulator.enqueue_third_party_job(PARTNER)

    assert {"clientId": client_id, "jobId": job_id} == poll(codepipeline)


def test_details_have_id_data_nonce_but_no_account(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """GetThirdPartyJobDetails answers id, data and nonce (no accountId)."""
    job_id, _, client_token = emulator.enqueue_third_party_job(
        PARTNER, configuration={"Url": "https://example.com"}
    )
    poll(codepipeline)

    details = codepipeline.get_third_party_job_details(
        jobId=job_id, clientToken=client_token
    )["jobDetails"]

    assert {"id", "data", "nonce"} == set(details)
    assert (job_id, emulator.job(job_id).nonce) == (details["id"], details["nonce"])
    assert PARTNER_WIRE == details["data"]["actionTypeId"]


def test_acknowledge_answers_in_progress(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """AcknowledgeThirdPartyJob with nonce and token answers InProgress."""
    job_id, _, client_token = emulator.enqueue_third_party_job(PARTNER)
    poll(codepipeline)
    nonce = codepipeline.get_third_party_job_details(
        jobId=job_id, clientToken=client_token
    )["jobDetails"]["nonce"]

    answer = codepipeline.acknowledge_third_party_job(
        jobId=job_id, nonce=nonce, clientToken=client_token
    )

    assert ("InProgress", JobStatus.IN_PROGRESS) == (
        answer["status"],
        emulator.job(job_id).status,
    )


def test_success_is_recorded(emulator: CodePipelineEmulator, codepipeline: Any) -> None:
    """PutThirdPartyJobSuccessResult marks the job Succeeded."""
    job_id, client_id, client_token = emulator.enqueue_third_party_job(PARTNER)
    claim(codepipeline, job_id, client_token)

    codepipeline.put_third_party_job_success_result(
        jobId=job_id, clientToken=client_token, executionDetails={"summary": "done"}
    )

    record = emulator.job(job_id)
    assert record.success is not None
    assert (JobStatus.SUCCEEDED, client_id, True, "done") == (
        record.status,
        record.client_id,
        record.third_party,
        record.success.execution_details and record.success.execution_details.summary,
    )


def test_failure_is_recorded(emulator: CodePipelineEmulator, codepipeline: Any) -> None:
    """PutThirdPartyJobFailureResult marks the job Failed with its details."""
    job_id, _, client_token = emulator.enqueue_third_party_job(PARTNER)
    claim(codepipeline, job_id, client_token)

    codepipeline.put_third_party_job_failure_result(
        jobId=job_id,
        clientToken=client_token,
        failureDetails={"type": "PermissionError", "message": "denied"},
    )

    record = emulator.job(job_id)
    assert (
        JobStatus.FAILED,
        FailureDetails(type=FailureType.PERMISSION_ERROR, message="denied"),
    ) == (record.status, record.failure_details)


def test_continuation_creates_the_next_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A third-party continuation makes a new job for the same client with the token."""
    job_id, client_id, client_token = emulator.enqueue_third_party_job(PARTNER)
    claim(codepipeline, job_id, client_token)
    codepipeline.put_third_party_job_success_result(
        jobId=job_id, clientToken=client_token, continuationToken="page-2"
    )

    following = poll(codepipeline)
    details = codepipeline.get_third_party_job_details(
        jobId=following["jobId"], clientToken=client_token
    )["jobDetails"]

    assert client_id == following["clientId"]
    assert "page-2" == details["data"]["continuationToken"]
    assert (following["jobId"], job_id) == (
        emulator.job(job_id).next_job_id,
        emulator.job(following["jobId"]).previous_job_id,
    )


def test_same_client_shares_its_token(emulator: CodePipelineEmulator) -> None:
    """Jobs enqueued for one client id share its client token."""
    _, client_id, token = emulator.enqueue_third_party_job(PARTNER)

    _, same_client, same_token = emulator.enqueue_third_party_job(
        PARTNER, client_id=client_id
    )

    assert (client_id, token) == (same_client, same_token)


def test_new_clients_get_new_tokens(emulator: CodePipelineEmulator) -> None:
    """Each new client gets its own id and token."""
    _, first_client, first_token = emulator.enqueue_third_party_job(PARTNER)
    _, second_client, second_token = emulator.enqueue_third_party_job(PARTNER)

    assert (first_client != second_client, first_token != second_token) == (True, True)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("get_third_party_job_details", {}),
        ("acknowledge_third_party_job", {"nonce": "n"}),
        ("put_third_party_job_success_result", {}),
        (
            "put_third_party_job_failure_result",
            {"failureDetails": {"type": "JobFailed", "message": "m"}},
        ),
    ],
)
def test_wrong_client_token_is_invalid(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    operation: str,
    params: dict[str, Any],
) -> None:
    """Another client's token is InvalidClientTokenException for every operation."""
    job_id, _, _ = emulator.enqueue_third_party_job(PARTNER)
    _, _, other_token = emulator.enqueue_third_party_job(PARTNER)
    poll(codepipeline)

    with pytest.raises(ClientError) as raised:
        getattr(codepipeline, operation)(
            jobId=job_id, clientToken=other_token, **params
        )

    assert ("InvalidClientTokenException", 400) == error_of(raised.value)


def test_unknown_third_party_job_is_not_found(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """An unknown job id is JobNotFoundException."""
    with pytest.raises(ClientError) as raised:
        codepipeline.get_third_party_job_details(jobId=UNKNOWN_JOB, clientToken="t")

    assert ("JobNotFoundException", 400) == error_of(raised.value)


def test_wrong_nonce_is_invalid_nonce(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """AcknowledgeThirdPartyJob with another nonce is InvalidNonceException."""
    job_id, _, client_token = emulator.enqueue_third_party_job(PARTNER)
    poll(codepipeline)

    with pytest.raises(ClientError) as raised:
        codepipeline.acknowledge_third_party_job(
            jobId=job_id, nonce="other", clientToken=client_token
        )

    assert ("InvalidNonceException", 400) == error_of(raised.value)


def test_details_before_dispatch_are_invalid_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """GetThirdPartyJobDetails for a job nobody polled is InvalidJobException."""
    job_id, _, client_token = emulator.enqueue_third_party_job(PARTNER)

    with pytest.raises(ClientError) as raised:
        codepipeline.get_third_party_job_details(jobId=job_id, clientToken=client_token)

    assert ("InvalidJobException", 400) == error_of(raised.value)


def test_third_party_poll_requires_third_party_owner(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """PollForThirdPartyJobs for a Custom action type is ValidationException."""
    emulator.register_action_type(BUILD)

    with pytest.raises(ClientError) as raised:
        codepipeline.poll_for_third_party_jobs(actionTypeId=BUILD_WIRE)

    assert ("ValidationException", 400) == error_of(raised.value)


def test_enqueue_checks_the_owner(emulator: CodePipelineEmulator) -> None:
    """enqueue_job refuses third-party types and enqueue_third_party_job custom ones."""
    with pytest.raises(ValueError, match="Custom"):
        emulator.enqueue_job(PARTNER)
    with pytest.raises(ValueError, match="ThirdParty"):
        emulator.enqueue_third_party_job(BUILD)
