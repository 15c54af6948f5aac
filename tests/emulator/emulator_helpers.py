"""Action types, client settings and small helpers for the emulator's tests."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from cpjobs import ActionCategory, ActionOwner, ActionTypeId
from cpjobs.testing import CodePipelineEmulator

BUILD = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="EmulatorTest",
    version="1",
)
BUILD_WIRE = {
    "category": "Build",
    "owner": "Custom",
    "provider": "EmulatorTest",
    "version": "1",
}
PARTNER = ActionTypeId(
    category=ActionCategory.DEPLOY,
    owner=ActionOwner.THIRD_PARTY,
    provider="Partner",
    version="2",
)
PARTNER_WIRE = {
    "category": "Deploy",
    "owner": "ThirdParty",
    "provider": "Partner",
    "version": "2",
}

#: A third-party client id: CodePipeline's are UUIDs.
CLIENT_ID = "0b6a4c1e-6f3a-4a8e-9d2b-5c7e1f3a9b20"
#: One attempt per call: botocore must not retry the faults the tests inject.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
#: Also lets malformed requests reach the emulator.
UNVALIDATED = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False
)


def client_kwargs(emulator: CodePipelineEmulator) -> dict[str, Any]:
    """Keyword arguments that point a boto3 or aiobotocore client at the emulator."""
    return {
        "region_name": emulator.region,
        "endpoint_url": emulator.endpoint_url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


def artifact_client_kwargs(
    emulator: CodePipelineEmulator, credentials: dict[str, str]
) -> dict[str, Any]:
    """Keyword arguments for an S3 client with a job's artifactCredentials."""
    return {
        "region_name": emulator.region,
        "endpoint_url": emulator.endpoint_url,
        "aws_access_key_id": credentials["accessKeyId"],
        "aws_secret_access_key": credentials["secretAccessKey"],
        "aws_session_token": credentials["sessionToken"],
    }


def poll_one(codepipeline: Any) -> dict[str, Any]:
    """Poll for exactly one BUILD job."""
    jobs: list[dict[str, Any]] = codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)[
        "jobs"
    ]
    assert len(jobs) == 1
    return jobs[0]


def claim(codepipeline: Any) -> dict[str, Any]:
    """Poll for one BUILD job and acknowledge it."""
    job = poll_one(codepipeline)
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    return job


def error_of(error: Any) -> tuple[str, int]:
    """The error code and HTTP status of a botocore ClientError."""
    return (
        error.response["Error"]["Code"],
        error.response["ResponseMetadata"]["HTTPStatusCode"],
    )
