"""Error answers: the real codes, HTTP 400 and a JSON body botocore parses."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_helpers import BUILD, BUILD_WIRE, PARTNER, claim, error_of, poll_one

from cpjobs.testing import OUTPUT_VARIABLES_MAX_BYTES, CodePipelineEmulator

UNKNOWN_JOB = "00000000-0000-0000-0000-000000000000"
FAILURE = {"type": "JobFailed", "message": "broken"}


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return error_of(raised.value)


def test_error_body_has_code_and_message(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Botocore reads Code and Message from the JSON error body."""
    with pytest.raises(ClientError) as raised:
        codepipeline.get_job_details(jobId=UNKNOWN_JOB)

    assert {
        "Code": "JobNotFoundException",
        "Message": f"Job {UNKNOWN_JOB} not found",
    } == raised.value.response["Error"]


def test_wrong_nonce_is_invalid_nonce(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """AcknowledgeJob with another nonce is InvalidNonceException."""
    emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)

    actual = code_of(codepipeline.acknowledge_job, jobId=job["id"], nonce="other")

    assert ("InvalidNonceException", 400) == actual


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("acknowledge_job", {"nonce": "1"}),
        ("get_job_details", {}),
        ("put_job_success_result", {}),
        ("put_job_failure_result", {"failureDetails": FAILURE}),
    ],
)
def test_unknown_job_is_job_not_found(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    operation: str,
    params: dict[str, Any],
) -> None:
    """Every job operation answers JobNotFoundException for an unknown job."""
    actual = code_of(getattr(codepipeline, operation), jobId=UNKNOWN_JOB, **params)

    assert ("JobNotFoundException", 400) == actual


def test_result_before_acknowledge_is_invalid_job_state(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A result for a job that is only Dispatched is InvalidJobStateException."""
    emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)

    actual = code_of(codepipeline.put_job_success_result, jobId=job["id"])

    assert ("InvalidJobStateException", 400) == actual


def test_second_result_is_invalid_job_state(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A result for a finished job is InvalidJobStateException."""
    emulator.enqueue_job(BUILD)
    job = claim(codepipeline)
    codepipeline.put_job_success_result(jobId=job["id"])

    actual = code_of(
        codepipeline.put_job_failure_result, jobId=job["id"], failureDetails=FAILURE
    )

    assert ("InvalidJobStateException", 400) == actual


def test_unregistered_action_type_is_not_found(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Polling an action type nobody registered is ActionTypeNotFoundException."""
    actual = code_of(codepipeline.poll_for_jobs, actionTypeId=BUILD_WIRE)

    assert ("ActionTypeNotFoundException", 400) == actual


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"actionTypeId": {**BUILD_WIRE, "owner": "AWS"}}, id="owner AWS"),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "owner": "ThirdParty"}},
            id="owner ThirdParty",
        ),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "provider": "bad provider"}},
            id="provider pattern",
        ),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "provider": "p" * 36}}, id="provider long"
        ),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "version": "1.0"}}, id="version pattern"
        ),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "category": "Cooking"}}, id="category"
        ),
        pytest.param({"actionTypeId": BUILD_WIRE, "maxBatchSize": 0}, id="batch 0"),
        pytest.param(
            {"actionTypeId": BUILD_WIRE, "queryParam": {"a": "1", "b": "2"}},
            id="two query params",
        ),
        pytest.param(
            {"actionTypeId": BUILD_WIRE, "queryParam": {"a": "no spaces"}},
            id="query value pattern",
        ),
        pytest.param(
            {"actionTypeId": BUILD_WIRE, "queryParam": {"k" * 51: "v"}},
            id="query key long",
        ),
        pytest.param({}, id="no action type"),
    ],
)
def test_malformed_poll_is_validation_exception(
    emulator: CodePipelineEmulator, unvalidated: Any, params: dict[str, Any]
) -> None:
    """PollForJobs rejects other owners and malformed input with ValidationException."""
    emulator.register_action_type(BUILD)

    actual = code_of(unvalidated.poll_for_jobs, **params)

    assert ("ValidationException", 400) == actual


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        pytest.param("get_job_details", {"jobId": "not-a-uuid"}, id="job id"),
        pytest.param(
            "acknowledge_job", {"jobId": UNKNOWN_JOB, "nonce": ""}, id="empty nonce"
        ),
        pytest.param(
            "put_job_failure_result",
            {"jobId": UNKNOWN_JOB, "failureDetails": {"type": "Oops", "message": "m"}},
            id="failure type",
        ),
        pytest.param(
            "put_job_failure_result",
            {"jobId": UNKNOWN_JOB, "failureDetails": {"type": "JobFailed"}},
            id="failure message",
        ),
        pytest.param(
            "put_job_success_result",
            {"jobId": UNKNOWN_JOB, "outputVariables": {"no spaces": "v"}},
            id="variable key",
        ),
    ],
)
def test_malformed_job_request_is_validation_exception(
    emulator: CodePipelineEmulator,
    unvalidated: Any,
    operation: str,
    params: dict[str, Any],
) -> None:
    """Malformed job ids, nonces, failure details and keys are ValidationException."""
    actual = code_of(getattr(unvalidated, operation), **params)

    assert ("ValidationException", 400) == actual


def test_malformed_success_details_are_validation_exception(
    emulator: CodePipelineEmulator, unvalidated: Any
) -> None:
    """PercentComplete over 100 on a claimed job is ValidationException."""
    emulator.enqueue_job(BUILD)
    job = claim(unvalidated)

    actual = code_of(
        unvalidated.put_job_success_result,
        jobId=job["id"],
        executionDetails={"percentComplete": 101},
    )

    assert ("ValidationException", 400) == actual


def test_output_variables_with_continuation_is_validation_exception(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """OutputVariables together with continuationToken is ValidationException."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)

    actual = code_of(
        codepipeline.put_job_success_result,
        jobId=job_id,
        continuationToken="more",
        outputVariables={"A": "1"},
    )

    assert ("ValidationException", 400) == actual
    assert "InProgress" == emulator.job(job_id).status


def test_output_variables_over_the_limit_are_rejected(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Output variables over 122880 bytes are OutputVariablesSizeExceededException."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)

    actual = code_of(
        codepipeline.put_job_success_result,
        jobId=job_id,
        outputVariables={"A": "x" * OUTPUT_VARIABLES_MAX_BYTES},
    )

    assert ("OutputVariablesSizeExceededException", 400) == actual


def test_output_variables_at_the_limit_are_accepted(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Output variables of exactly 122880 bytes (keys and values) are accepted."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)

    codepipeline.put_job_success_result(
        jobId=job_id, outputVariables={"A": "x" * (OUTPUT_VARIABLES_MAX_BYTES - 1)}
    )

    assert "Succeeded" == emulator.job(job_id).status


def test_third_party_job_is_not_a_custom_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A third-party job id is JobNotFoundException for GetJobDetails."""
    job_id, _, _ = emulator.enqueue_third_party_job(PARTNER)

    actual = code_of(codepipeline.get_job_details, jobId=job_id)

    assert ("JobNotFoundException", 400) == actual


def message_of(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**params)
    message: str = raised.value.response["Error"]["Message"]
    return message


def test_unknown_action_type_message_names_it(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """ActionTypeNotFoundException says which type, not a Python dict."""
    message = message_of(codepipeline.poll_for_jobs, actionTypeId=BUILD_WIRE)

    assert "ActionType Build/Custom/EmulatorTest/1 does not exist" == message


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "provider": "p" * 36}},
            "1 validation error detected: Value at 'actionTypeId.provider' failed "
            "to satisfy constraint: 1 to 35 characters (is 36 characters long)",
            id="too long",
        ),
        pytest.param(
            {},
            "1 validation error detected: Value null at 'actionTypeId' failed to "
            "satisfy constraint: Member must not be null",
            id="missing",
        ),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "version": 1}},
            "1 validation error detected: Value at 'actionTypeId.version' failed "
            "to satisfy constraint: Member must be a string",
            id="wrong type",
        ),
        pytest.param(
            {"actionTypeId": {**BUILD_WIRE, "category": "Cooking"}},
            "1 validation error detected: Value at 'actionTypeId.category' failed "
            "to satisfy constraint: Member must satisfy enum value set: [Source, "
            "Build, Deploy, Test, Invoke, Approval, Compute]",
            id="enum",
        ),
    ],
)
def test_validation_messages_use_the_services_wording(
    emulator: CodePipelineEmulator,
    unvalidated: Any,
    params: dict[str, Any],
    expected: str,
) -> None:
    """ValidationException messages name the member the way the service does."""
    emulator.register_action_type(BUILD)

    assert expected == message_of(unvalidated.poll_for_jobs, **params)
