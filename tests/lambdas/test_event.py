"""The Lambda event as a typed `Job`: real events' quirks, malformed events."""

from __future__ import annotations

from typing import Any

import pytest

from cpjobs import (
    AWSSessionCredentials,
    InvalidEvent,
    Job,
    UserParameters,
    job_from_event,
    user_parameters,
)
from cpjobs.testing import CodePipelineEmulator

from .conftest import ACTION


def an_event(**data: Any) -> dict[str, Any]:
    """A minimal event, as in AWS's documentation, with ``data`` members added."""
    return {
        "CodePipeline.job": {
            "id": "11111111-abcd-1111-abcd-111111abcdef",
            "accountId": "111111111111",
            "data": {
                "actionConfiguration": {
                    "configuration": {"FunctionName": "MyFunction"}
                },
                "inputArtifacts": [],
                "outputArtifacts": [],
                "artifactCredentials": {
                    "accessKeyId": "AKIAEXAMPLE",
                    "secretAccessKey": "secret-access-key",
                    "sessionToken": "session-token",
                },
                **data,
            },
        }
    }


def test_emulator_event_parses_into_the_job(emulator: CodePipelineEmulator) -> None:
    """The emulator's event (revision null, expirationTime) becomes the typed job."""
    job_id = emulator.enqueue_job(
        ACTION,
        configuration={"FunctionName": "f", "UserParameters": "p"},
        input_artifacts={"Source": b"zip"},
        output_artifacts=["Built"],
    )
    event = emulator.lambda_event(job_id)

    job = job_from_event(event)

    assert event["CodePipeline.job"]["data"]["outputArtifacts"][0]["revision"] is None
    assert isinstance(
        event["CodePipeline.job"]["data"]["artifactCredentials"]["expirationTime"], int
    )
    assert (job_id, emulator.account_id, None) == (job.id, job.account_id, job.nonce)
    assert job.data is not None
    assert isinstance(job.data.artifact_credentials, AWSSessionCredentials)
    assert ("Source",) == tuple(a.name for a in job.data.input_artifacts or ())
    assert (None,) == tuple(a.revision for a in job.data.output_artifacts or ())
    assert job.data.action_configuration is not None
    assert {"FunctionName": "f", "UserParameters": "p"} == dict(
        job.data.action_configuration.configuration or {}
    )


def test_absent_optional_members_are_none() -> None:
    """No UserParameters, encryptionKey or continuationToken: the job has None."""
    job = job_from_event(an_event())

    assert job.data is not None
    assert (None, None) == (job.data.encryption_key, job.data.continuation_token)
    assert user_parameters(job) is None


def test_continuation_token_and_encryption_key_are_read() -> None:
    """A continuing job's token and its KMS key come through."""
    job = job_from_event(
        an_event(
            continuationToken="step-2",
            encryptionKey={"id": "arn:aws:kms:eu-west-1:1:key/k", "type": "KMS"},
        )
    )

    assert job.data is not None
    assert "step-2" == job.data.continuation_token
    assert job.data.encryption_key is not None
    assert "arn:aws:kms:eu-west-1:1:key/k" == job.data.encryption_key.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"stack": "web", "retries": 2}',
            UserParameters("", {"stack": "web", "retries": 2}, is_json=True),
        ),
        ("null", UserParameters("", None, is_json=True)),
        ("https://example.com/hook", UserParameters("", None, is_json=False)),
    ],
)
def test_user_parameters_are_text_and_json_when_they_parse(
    text: str, expected: UserParameters
) -> None:
    """UserParameters keep their text; JSON is parsed, other text is not."""
    event = an_event(
        actionConfiguration={
            "configuration": {"FunctionName": "f", "UserParameters": text}
        }
    )

    parameters = user_parameters(job_from_event(event))

    assert parameters is not None
    assert (text, expected.value, expected.is_json) == (
        parameters.text,
        parameters.value,
        parameters.is_json,
    )


def test_user_parameters_repr_hides_the_text() -> None:
    """UserParameters may hold secrets: the repr shows neither text nor value."""
    parameters = UserParameters(
        '{"token": "hunter22"}', {"token": "hunter22"}, is_json=True
    )

    assert "hunter22" not in repr(parameters)


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ([], "event"),
        ({}, "CodePipeline.job"),
        ({"CodePipeline.job": "x"}, "CodePipeline.job"),
        ({"CodePipeline.job": {"accountId": "1", "data": {}}}, "CodePipeline.job.id"),
        ({"CodePipeline.job": {"id": "j"}}, "CodePipeline.job.data"),
        ({"CodePipeline.job": {"id": 7, "data": {}}}, "CodePipeline.job.id"),
    ],
)
def test_malformed_event_names_the_path(event: object, path: str) -> None:
    """An event that is not a job raises InvalidEvent naming where."""
    with pytest.raises(InvalidEvent) as raised:
        job_from_event(event)

    assert path == raised.value.path


@pytest.mark.parametrize(
    ("data", "path", "problem"),
    [
        (
            {"inputArtifacts": [{"name": "a"}, {"name": 3}]},
            "CodePipeline.job.data.inputArtifacts[1].name",
            "is a number, not a string",
        ),
        (
            {"inputArtifacts": {"name": "a"}},
            "CodePipeline.job.data.inputArtifacts",
            "is an object, not a list",
        ),
        (
            {
                "artifactCredentials": {
                    "accessKeyId": "AKIAEXAMPLE",
                    "sessionToken": "t",
                }
            },
            "CodePipeline.job.data.artifactCredentials.secretAccessKey",
            "is missing",
        ),
        (
            {"actionConfiguration": {"configuration": {"UserParameters": ["a"]}}},
            "CodePipeline.job.data.actionConfiguration.configuration.UserParameters",
            "is a list, not a string",
        ),
        (
            {"outputArtifacts": [{"location": {"s3Location": "bucket/key"}}]},
            "CodePipeline.job.data.outputArtifacts[0].location.s3Location",
            "is a string, not an object",
        ),
        (
            {"encryptionKey": {"id": "k", "type": True}},
            "CodePipeline.job.data.encryptionKey.type",
            "is a boolean, not a string",
        ),
    ],
)
def test_malformed_member_names_path_and_problem(
    data: dict[str, Any], path: str, problem: str
) -> None:
    """A member of the wrong shape is named by its full path, its value never."""
    with pytest.raises(InvalidEvent) as raised:
        job_from_event(an_event(**data))

    assert (path, problem) == (raised.value.path, raised.value.problem)
    assert "AKIAEXAMPLE" not in str(raised.value)


def test_job_is_the_api_model() -> None:
    """The event's job is the same `Job` a worker polls, with no nonce."""
    assert isinstance(job_from_event(an_event()), Job)
