"""Artifacts in moto's S3, reachable with the job's artifact credentials."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
from emulator_helpers import BUILD, client_kwargs, poll_one

from cpjobs import EncryptionKey, EncryptionKeyType
from cpjobs.testing import CodePipelineEmulator

S3Factory = Callable[[CodePipelineEmulator, dict[str, str]], Any]


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("buildspec.yml", "version: 0.2\n")
    return buffer.getvalue()


def test_input_artifact_downloads_with_artifact_credentials(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """The input artifact's bytes come back from S3 with the job's credentials."""
    content = a_zip()
    emulator.enqueue_job(BUILD, input_artifacts={"SourceArtifact": content})
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    (artifact,) = job["data"]["inputArtifacts"]
    location = artifact["location"]["s3Location"]

    body = s3.get_object(Bucket=location["bucketName"], Key=location["objectKey"])

    assert ("SourceArtifact", "S3", content) == (
        artifact["name"],
        artifact["location"]["type"],
        body["Body"].read(),
    )


def test_output_artifact_upload_can_be_read_back(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """What a worker writes to the output location is what read_artifact returns."""
    job_id = emulator.enqueue_job(BUILD, output_artifacts=["BuildArtifact"])
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    location = job["data"]["outputArtifacts"][0]["location"]["s3Location"]

    s3.put_object(
        Bucket=location["bucketName"], Key=location["objectKey"], Body=b"built"
    )

    assert (b"built", b"built") == (
        emulator.read_artifact(job_id, "BuildArtifact"),
        emulator.read_object(location["bucketName"], location["objectKey"]),
    )


def test_artifacts_live_in_the_artifact_bucket(emulator: CodePipelineEmulator) -> None:
    """Artifacts are in codepipeline-<region>-<account>, one key per artifact."""
    job_id = emulator.enqueue_job(
        BUILD, input_artifacts={"In": b"x"}, output_artifacts=["Out"]
    )

    record = emulator.job(job_id)
    locations = [
        artifact.location.s3_location
        for artifact in (*record.input_artifacts, *record.output_artifacts)
        if artifact.location is not None and artifact.location.s3_location is not None
    ]

    assert ["codepipeline-us-east-1-123456789012"] * 2 == [
        location.bucket_name for location in locations
    ]
    assert 2 == len({location.object_key for location in locations})


def test_encryption_key_is_a_moto_kms_key(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """encryption_key=True puts a real KMS key of type KMS in the job."""
    job_id = emulator.enqueue_job(BUILD, encryption_key=True)
    key = poll_one(codepipeline)["data"]["encryptionKey"]
    kms = boto3.client("kms", **client_kwargs(emulator))
    try:
        described = kms.describe_key(KeyId=key["id"])["KeyMetadata"]
    finally:
        kms.close()

    assert ("KMS", key["id"]) == (key["type"], described["Arn"])
    assert EncryptionKey(id=key["id"], type=EncryptionKeyType.KMS) == (
        emulator.job(job_id).encryption_key
    )


def test_input_artifacts_are_encrypted_with_the_key(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """With an encryption key, input objects are stored with SSE-KMS and that key."""
    emulator.enqueue_job(BUILD, input_artifacts={"In": b"secret"}, encryption_key=True)
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    location = job["data"]["inputArtifacts"][0]["location"]["s3Location"]

    head = s3.head_object(Bucket=location["bucketName"], Key=location["objectKey"])

    assert ("aws:kms", job["data"]["encryptionKey"]["id"]) == (
        head["ServerSideEncryption"],
        head["SSEKMSKeyId"],
    )


def test_artifact_credentials_look_temporary(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Artifact credentials have an ASIA key id, a secret and a session token."""
    emulator.enqueue_job(BUILD)

    credentials = poll_one(codepipeline)["data"]["artifactCredentials"]

    assert (
        ["accessKeyId", "secretAccessKey", "sessionToken"],
        "ASIA",
        20,
    ) == (
        sorted(credentials),
        credentials["accessKeyId"][:4],
        len(credentials["accessKeyId"]),
    )


def test_job_without_artifacts_has_empty_lists(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A job without artifacts carries empty artifact lists and no key."""
    emulator.enqueue_job(BUILD)

    data = poll_one(codepipeline)["data"]

    assert ([], [], None) == (
        data["inputArtifacts"],
        data["outputArtifacts"],
        data.get("encryptionKey"),
    )
