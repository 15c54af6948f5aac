"""The artifact bucket's rules: scoped, expiring job credentials and the KMS policy.

Every request goes over HTTP from boto3 or aiobotocore (or urllib for
presigned URLs) to moto's S3 behind the emulator.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError
from emulator_helpers import (
    BUILD,
    PARTNER,
    artifact_client_kwargs,
    client_kwargs,
    error_of,
    poll_one,
)

from cpjobs import JobsClient, S3ArtifactLocation, converter
from cpjobs.testing import CodePipelineEmulator
from cpjobs.testing._artifacts import ArtifactAccess

S3Factory = Callable[[CodePipelineEmulator, dict[str, str]], Any]


def location(job: dict[str, Any], kind: str, index: int = 0) -> tuple[str, str]:
    """Bucket and key of a job's input or output artifact."""
    s3 = job["data"][kind][index]["location"]["s3Location"]
    return s3["bucketName"], s3["objectKey"]


def denied(call: Callable[[], Any]) -> tuple[str, int]:
    """Run an S3 call that must fail; return its error code and HTTP status."""
    with pytest.raises(ClientError) as raised:
        call()
    return error_of(raised.value)


@pytest.fixture
def two_jobs(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two polled jobs, each with an input and an output artifact."""
    for content in (b"one", b"two"):
        emulator.enqueue_job(
            BUILD, input_artifacts={"Source": content}, output_artifacts=["Out"]
        )
    (first, second) = codepipeline.poll_for_jobs(
        actionTypeId={
            "category": "Build",
            "owner": "Custom",
            "provider": "EmulatorTest",
            "version": "1",
        },
        maxBatchSize=2,
    )["jobs"]
    return first, second


@pytest.fixture
def first_s3(emulator: CodePipelineEmulator, two_jobs: Any, s3_with: S3Factory) -> Any:
    """An S3 client with the first of the two jobs' artifact credentials."""
    return s3_with(emulator, two_jobs[0]["data"]["artifactCredentials"])


@pytest.fixture
def plain_s3(emulator: CodePipelineEmulator) -> Iterator[Any]:
    """An S3 client with credentials that are not a job's."""
    client = boto3.client("s3", **client_kwargs(emulator))
    yield client
    client.close()


# --- scope --------------------------------------------------------------------


def test_job_credentials_cannot_read_another_jobs_input(
    two_jobs: Any, first_s3: Any
) -> None:
    """A job's credentials get AccessDenied (403) on another job's input."""
    _, second = two_jobs
    bucket, key = location(second, "inputArtifacts")

    assert ("AccessDenied", 403) == denied(
        lambda: first_s3.get_object(Bucket=bucket, Key=key)
    )


def test_job_credentials_cannot_write_another_jobs_output(
    two_jobs: Any, first_s3: Any
) -> None:
    """A job's credentials cannot upload to another job's output location."""
    _, second = two_jobs
    bucket, key = location(second, "outputArtifacts")

    assert ("AccessDenied", 403) == denied(
        lambda: first_s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    )


def test_job_credentials_cannot_overwrite_their_input(
    emulator: CodePipelineEmulator, two_jobs: Any, first_s3: Any
) -> None:
    """Input artifacts are read-only to the job."""
    first, _ = two_jobs
    bucket, key = location(first, "inputArtifacts")

    assert ("AccessDenied", 403) == denied(
        lambda: first_s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    )
    assert b"one" == emulator.read_object(bucket, key)


def test_job_credentials_cannot_read_their_output(two_jobs: Any, first_s3: Any) -> None:
    """Output artifacts are write-only to the job."""
    first, _ = two_jobs
    bucket, key = location(first, "outputArtifacts")
    first_s3.put_object(Bucket=bucket, Key=key, Body=b"built")

    assert ("AccessDenied", 403) == denied(
        lambda: first_s3.get_object(Bucket=bucket, Key=key)
    )


def poll_build(emulator: CodePipelineEmulator, codepipeline: Any) -> dict[str, Any]:
    """Poll the one queued job of the test action type."""
    (job,) = codepipeline.poll_for_jobs(
        actionTypeId=converter.unstructure(BUILD), maxBatchSize=1
    )["jobs"]
    return job


def test_input_outside_the_artifact_bucket_is_readable(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    plain_s3: Any,
    s3_with: S3Factory,
) -> None:
    """An input pointing at an S3 source object is read with the job's credentials."""
    plain_s3.create_bucket(Bucket="sources")
    plain_s3.put_object(Bucket="sources", Key="app.zip", Body=b"source")
    emulator.enqueue_job(
        BUILD,
        input_artifacts={
            "Source": S3ArtifactLocation(bucket_name="sources", object_key="app.zip")
        },
    )
    job = poll_build(emulator, codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])

    body = s3.get_object(Bucket="sources", Key="app.zip")["Body"].read()

    assert ("sources", "app.zip") == location(job, "inputArtifacts")
    assert b"source" == body


def test_a_key_in_another_bucket_grants_nothing_in_the_artifact_bucket(
    emulator: CodePipelineEmulator,
    two_jobs: Any,
    codepipeline: Any,
    plain_s3: Any,
    s3_with: S3Factory,
) -> None:
    """Grants are per bucket: the same key in the artifact bucket stays denied."""
    bucket, key = location(two_jobs[0], "inputArtifacts")
    plain_s3.create_bucket(Bucket="sources")
    plain_s3.put_object(Bucket="sources", Key=key, Body=b"source")
    emulator.enqueue_job(
        BUILD,
        input_artifacts={
            "Source": S3ArtifactLocation(bucket_name="sources", object_key=key)
        },
    )
    job = poll_build(emulator, codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])

    assert ("AccessDenied", 403) == denied(
        lambda: s3.get_object(Bucket=bucket, Key=key)
    )


def test_a_downstream_job_reads_what_the_upstream_job_wrote(
    emulator: CodePipelineEmulator,
    two_jobs: Any,
    first_s3: Any,
    codepipeline: Any,
    s3_with: S3Factory,
) -> None:
    """An input at an upstream job's output location is readable downstream."""
    bucket, key = location(two_jobs[0], "outputArtifacts")
    first_s3.put_object(Bucket=bucket, Key=key, Body=b"built")
    emulator.enqueue_job(
        BUILD,
        input_artifacts={
            "Built": S3ArtifactLocation(bucket_name=bucket, object_key=key)
        },
    )
    downstream = poll_build(emulator, codepipeline)
    s3 = s3_with(emulator, downstream["data"]["artifactCredentials"])

    assert b"built" == s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.mark.parametrize(
    "operation",
    ["list_objects_v2", "delete_object", "get_object_tagging"],
)
def test_job_credentials_get_nothing_else(
    emulator: CodePipelineEmulator,
    two_jobs: Any,
    s3_with: S3Factory,
    operation: str,
) -> None:
    """Listing the bucket, deleting or reading tags is AccessDenied."""
    first, _ = two_jobs
    s3 = s3_with(emulator, first["data"]["artifactCredentials"])
    bucket, key = location(first, "inputArtifacts")
    arguments: dict[str, Any] = {"Bucket": bucket}
    if operation != "list_objects_v2":
        arguments["Key"] = key

    assert ("AccessDenied", 403) == denied(lambda: getattr(s3, operation)(**arguments))
    assert b"one" == emulator.read_object(bucket, key)


def test_head_outside_the_scope_is_a_bare_403(two_jobs: Any, first_s3: Any) -> None:
    """HEAD has no error body: botocore sees the status as the code, as from S3."""
    _, second = two_jobs
    bucket, key = location(second, "inputArtifacts")

    assert ("403", 403) == denied(lambda: first_s3.head_object(Bucket=bucket, Key=key))


def test_wrong_session_token_is_invalid_token(
    emulator: CodePipelineEmulator, two_jobs: Any, s3_with: S3Factory
) -> None:
    """A job's key id with another session token is InvalidToken (400)."""
    first, second = two_jobs
    credentials = {
        **first["data"]["artifactCredentials"],
        "sessionToken": second["data"]["artifactCredentials"]["sessionToken"],
    }
    s3 = s3_with(emulator, credentials)
    bucket, key = location(first, "inputArtifacts")

    assert ("InvalidToken", 400) == denied(
        lambda: s3.get_object(Bucket=bucket, Key=key)
    )


def test_copy_from_the_input_to_the_output_is_allowed(
    emulator: CodePipelineEmulator, two_jobs: Any, first_s3: Any
) -> None:
    """CopyObject needs read on the source and write on the target: both granted."""
    first, _ = two_jobs
    bucket, source = location(first, "inputArtifacts")
    _, target = location(first, "outputArtifacts")

    first_s3.copy_object(
        Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source}
    )

    assert b"one" == emulator.read_object(bucket, target)


def test_copy_from_another_jobs_input_is_denied(two_jobs: Any, first_s3: Any) -> None:
    """CopyObject from an object outside the job's inputs is AccessDenied."""
    first, second = two_jobs
    bucket, source = location(second, "inputArtifacts")
    _, target = location(first, "outputArtifacts")

    assert ("AccessDenied", 403) == denied(
        lambda: first_s3.copy_object(
            Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source}
        )
    )


def test_presigned_url_works_within_the_scope_only(
    two_jobs: Any, first_s3: Any
) -> None:
    """A URL presigned with a job's credentials reads its input, not another's."""
    first, second = two_jobs
    bucket, own = location(first, "inputArtifacts")
    _, other = location(second, "inputArtifacts")

    def fetch(key: str) -> bytes | int:
        url = first_s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}
        )
        try:
            with urllib.request.urlopen(url) as answer:
                body: bytes = answer.read()
                return body
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    assert (b"one", 403) == (fetch(own), fetch(other))


def test_virtual_hosted_style_requests_are_checked(
    emulator: CodePipelineEmulator, two_jobs: Any
) -> None:
    """Virtual-hosted addressing (bucket in the Host header) gets the same rules."""
    first, second = two_jobs
    credentials = first["data"]["artifactCredentials"]
    s3 = boto3.client(
        "s3",
        region_name=emulator.region,
        endpoint_url="http://s3.amazonaws.com",
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"],
        config=Config(s3={"addressing_style": "virtual"}),
    )
    hosts: list[str] = []

    def to_the_emulator(request: Any, **_: Any) -> None:
        # Keep the virtual host in the Host header; send to the emulator.
        _, _, rest = request.url.partition("://")
        host, _, path = rest.partition("/")
        hosts.append(host)
        request.headers["Host"] = host
        request.url = f"{emulator.endpoint_url}/{path}"

    s3.meta.events.register("before-send.s3", to_the_emulator)
    bucket, own = location(first, "inputArtifacts")
    _, other = location(second, "inputArtifacts")
    try:
        body = s3.get_object(Bucket=bucket, Key=own)["Body"].read()
        error = denied(lambda: s3.get_object(Bucket=bucket, Key=other))
    finally:
        s3.close()

    assert (b"one", ("AccessDenied", 403)) == (body, error)
    assert {f"{bucket}.s3.amazonaws.com"} == set(hosts)


# --- multipart uploads and ranges -------------------------------------------------


def test_multipart_upload_with_job_credentials(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """Create, UploadPart and Complete work on the job's output location."""
    job_id = emulator.enqueue_job(BUILD, output_artifacts=["Out"])
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    bucket, key = location(job, "outputArtifacts")
    parts = [b"a" * (5 * 1024 * 1024), b"b" * 10]

    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etags = [
        s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=part
        )["ETag"]
        for number, part in enumerate(parts, 1)
    ]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload,
        MultipartUpload={
            "Parts": [
                {"ETag": etag, "PartNumber": number}
                for number, etag in enumerate(etags, 1)
            ]
        },
    )

    assert b"".join(parts) == emulator.read_artifact(job_id, "Out")


def test_multipart_upload_can_be_aborted(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """AbortMultipartUpload is allowed with the job's credentials."""
    emulator.enqueue_job(BUILD, output_artifacts=["Out"])
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    bucket, key = location(job, "outputArtifacts")
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"x")

    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)

    assert ("NoSuchUpload", 404) == denied(
        lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId=upload)
    )


def test_multipart_upload_elsewhere_is_denied(
    emulator: CodePipelineEmulator, two_jobs: Any, first_s3: Any
) -> None:
    """CreateMultipartUpload on another job's output is AccessDenied."""
    _, second = two_jobs
    bucket, key = location(second, "outputArtifacts")

    assert ("AccessDenied", 403) == denied(
        lambda: first_s3.create_multipart_upload(Bucket=bucket, Key=key)
    )


async def test_ranged_get_through_aiobotocore(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A ranged GET of the input with aiobotocore and the job's credentials."""
    emulator.enqueue_job(BUILD, input_artifacts={"Source": b"0123456789"})
    job = poll_one(codepipeline)
    credentials = job["data"]["artifactCredentials"]
    bucket, key = location(job, "inputArtifacts")

    async with get_session().create_client(
        "s3", **artifact_client_kwargs(emulator, credentials)
    ) as s3:
        answer = await s3.get_object(Bucket=bucket, Key=key, Range="bytes=2-5")
        async with answer["Body"] as body:
            content = await body.read()

    assert b"2345" == content


# --- expiry -----------------------------------------------------------------------


def test_credentials_expire_after_fifteen_minutes(
    emulator: CodePipelineEmulator, two_jobs: Any, first_s3: Any
) -> None:
    """After 900 s on the emulator's clock S3 answers ExpiredToken (400)."""
    first, _ = two_jobs
    bucket, key = location(first, "inputArtifacts")
    emulator.advance_clock(899)
    before = first_s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    emulator.advance_clock(1)

    assert b"one" == before
    assert ("ExpiredToken", 400) == denied(
        lambda: first_s3.get_object(Bucket=bucket, Key=key)
    )


def test_credentials_lifetime_can_be_set(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """set_timeouts(credentials=60) makes credentials handed out later last 60 s."""
    emulator.set_timeouts(credentials=60)
    emulator.enqueue_job(BUILD, output_artifacts=["Out"])
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    bucket, key = location(job, "outputArtifacts")

    emulator.advance_clock(60)

    assert ("ExpiredToken", 400) == denied(
        lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"late")
    )


def test_reset_restores_the_credentials_lifetime(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """After reset, credentials last 900 s again."""
    emulator.set_timeouts(credentials=1)
    emulator.reset()
    emulator.enqueue_job(BUILD, input_artifacts={"Source": b"in"})
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    bucket, key = location(job, "inputArtifacts")

    emulator.advance_clock(899)

    assert b"in" == s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.mark.parametrize("seconds", [0, -1])
def test_credentials_lifetime_must_be_positive(
    emulator: CodePipelineEmulator, seconds: float
) -> None:
    """A lifetime of 0 or less is refused, naming the argument."""
    with pytest.raises(ValueError, match="credentials must be more than 0 seconds"):
        emulator.set_timeouts(credentials=seconds)


async def test_get_job_details_hands_out_fresh_credentials(
    emulator: CodePipelineEmulator, jobs_client: JobsClient
) -> None:
    """After expiry, GetJobDetails (through cpjobs) gives credentials that work."""
    emulator.enqueue_job(BUILD, input_artifacts={"Source": b"long job"})
    (job,) = (await jobs_client.poll_for_jobs(action_type_id=BUILD)).jobs or ()
    assert job.id is not None and job.data is not None
    emulator.advance_clock(900)

    details = await jobs_client.get_job_details(job_id=job.id)

    assert details.job_details is not None and details.job_details.data is not None
    credentials = details.job_details.data.artifact_credentials
    inputs = details.job_details.data.input_artifacts
    assert credentials is not None and inputs
    assert inputs[0].location is not None and inputs[0].location.s3_location
    s3_location = inputs[0].location.s3_location
    async with get_session().create_client(
        "s3", **artifact_client_kwargs(emulator, converter.unstructure(credentials))
    ) as s3:
        answer = await s3.get_object(
            Bucket=s3_location.bucket_name, Key=s3_location.object_key
        )
        async with answer["Body"] as body:
            assert b"long job" == await body.read()


def test_get_third_party_job_details_hands_out_fresh_credentials(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """Each GetThirdPartyJobDetails answer carries new, working credentials."""
    job_id, _, token = emulator.enqueue_third_party_job(
        PARTNER, output_artifacts=["Out"]
    )
    codepipeline.poll_for_third_party_jobs(
        actionTypeId={
            "category": "Deploy",
            "owner": "ThirdParty",
            "provider": "Partner",
            "version": "2",
        }
    )
    first = codepipeline.get_third_party_job_details(jobId=job_id, clientToken=token)
    codepipeline.acknowledge_third_party_job(
        jobId=job_id, nonce=first["jobDetails"]["nonce"], clientToken=token
    )
    emulator.advance_clock(900)
    second = codepipeline.get_third_party_job_details(jobId=job_id, clientToken=token)
    job = second["jobDetails"]
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    bucket, key = location(job, "outputArtifacts")

    s3.put_object(Bucket=bucket, Key=key, Body=b"deployed")

    assert (
        first["jobDetails"]["data"]["artifactCredentials"]["accessKeyId"]
        != job["data"]["artifactCredentials"]["accessKeyId"]
    )
    assert b"deployed" == emulator.read_artifact(job_id, "Out")


# --- other credentials --------------------------------------------------------------


def test_other_credentials_are_refused_on_the_artifact_bucket(
    emulator: CodePipelineEmulator, two_jobs: Any, plain_s3: Any
) -> None:
    """Credentials that are not a job's get AccessDenied, reading or writing."""
    first, _ = two_jobs
    bucket, key = location(first, "inputArtifacts")

    assert [("AccessDenied", 403)] * 2 == [
        denied(lambda: plain_s3.get_object(Bucket=bucket, Key=key)),
        denied(lambda: plain_s3.put_object(Bucket=bucket, Key="any", Body=b"x")),
    ]


def test_strict_artifact_bucket_can_be_turned_off(
    emulator: CodePipelineEmulator, two_jobs: Any, plain_s3: Any
) -> None:
    """With strict_artifact_bucket False, other credentials read the artifacts."""
    first, _ = two_jobs
    bucket, key = location(first, "inputArtifacts")

    emulator.strict_artifact_bucket = False

    assert b"one" == plain_s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_reset_makes_the_bucket_strict_again(
    emulator: CodePipelineEmulator, plain_s3: Any
) -> None:
    """reset() restores the strictness the emulator was created with."""
    emulator.strict_artifact_bucket = False
    emulator.reset()

    assert (True, ("AccessDenied", 403)) == (
        emulator.strict_artifact_bucket,
        denied(lambda: plain_s3.list_objects_v2(Bucket=emulator.artifact_bucket)),
    )


def test_a_lenient_emulator_lets_other_credentials_in() -> None:
    """serve(strict_artifact_bucket=False) opens the bucket from the start."""
    with CodePipelineEmulator.serve(strict_artifact_bucket=False) as emulator:
        job_id = emulator.enqueue_job(BUILD, input_artifacts={"Source": b"open"})
        (artifact,) = emulator.job(job_id).input_artifacts
        assert artifact.location is not None and artifact.location.s3_location
        s3 = boto3.client("s3", **client_kwargs(emulator))
        try:
            body = s3.get_object(
                Bucket=artifact.location.s3_location.bucket_name,
                Key=artifact.location.s3_location.object_key,
            )["Body"].read()
        finally:
            s3.close()

    assert b"open" == body


def test_other_buckets_take_any_credentials(
    emulator: CodePipelineEmulator, plain_s3: Any
) -> None:
    """The rules cover the artifact bucket only; moto's other buckets are as usual."""
    plain_s3.create_bucket(Bucket="cpjobs-emulator-other")
    plain_s3.put_object(Bucket="cpjobs-emulator-other", Key="k", Body=b"free")

    body = plain_s3.get_object(Bucket="cpjobs-emulator-other", Key="k")["Body"].read()

    assert b"free" == body


# --- the KMS policy ---------------------------------------------------------------


@pytest.fixture
def encrypted_job(emulator: CodePipelineEmulator, codepipeline: Any) -> Any:
    """A polled job with an encryption key and one output artifact."""
    emulator.enqueue_job(BUILD, output_artifacts=["Out"], encryption_key=True)
    return poll_one(codepipeline)


def test_unencrypted_upload_is_denied_with_a_key(
    emulator: CodePipelineEmulator, encrypted_job: Any, s3_with: S3Factory
) -> None:
    """PutObject without SSE-KMS is AccessDenied when the job has a key."""
    s3 = s3_with(emulator, encrypted_job["data"]["artifactCredentials"])
    bucket, key = location(encrypted_job, "outputArtifacts")

    assert [("AccessDenied", 403)] * 2 == [
        denied(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"x")),
        denied(
            lambda: s3.put_object(
                Bucket=bucket, Key=key, Body=b"x", ServerSideEncryption="AES256"
            )
        ),
    ]


def test_kms_upload_is_accepted_with_a_key(
    emulator: CodePipelineEmulator, encrypted_job: Any, s3_with: S3Factory
) -> None:
    """PutObject with SSE-KMS and the job's key is stored encrypted."""
    s3 = s3_with(emulator, encrypted_job["data"]["artifactCredentials"])
    bucket, key = location(encrypted_job, "outputArtifacts")
    key_id = encrypted_job["data"]["encryptionKey"]["id"]

    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=b"sealed",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=key_id,
    )

    assert b"sealed" == emulator.read_object(bucket, key)


def test_unencrypted_multipart_upload_is_denied_with_a_key(
    emulator: CodePipelineEmulator, encrypted_job: Any, s3_with: S3Factory
) -> None:
    """CreateMultipartUpload without SSE-KMS is AccessDenied; with it, allowed."""
    s3 = s3_with(emulator, encrypted_job["data"]["artifactCredentials"])
    bucket, key = location(encrypted_job, "outputArtifacts")

    error = denied(lambda: s3.create_multipart_upload(Bucket=bucket, Key=key))
    upload = s3.create_multipart_upload(
        Bucket=bucket, Key=key, ServerSideEncryption="aws:kms"
    )

    assert ("AccessDenied", 403) == error
    assert upload["UploadId"]


def test_plain_upload_is_fine_without_a_key(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: S3Factory
) -> None:
    """Without an encryption key, an upload needs no SSE header."""
    job_id = emulator.enqueue_job(BUILD, output_artifacts=["Out"])
    job = poll_one(codepipeline)
    s3 = s3_with(emulator, job["data"]["artifactCredentials"])
    bucket, key = location(job, "outputArtifacts")

    s3.put_object(Bucket=bucket, Key=key, Body=b"plain")

    assert b"plain" == emulator.read_artifact(job_id, "Out")


def test_grants_keep_credentials_out_of_their_repr(
    emulator: CodePipelineEmulator,
) -> None:
    """What the guard remembers of credentials never shows them in a repr."""
    access = ArtifactAccess(emulator.artifact_bucket, emulator.clock)
    credentials = access.issue("job", readable=["in"], writable=[], encrypted=False)
    grant = access.grant(credentials.access_key_id)

    assert grant is not None
    assert credentials.access_key_id not in repr(grant)
    assert credentials.session_token not in repr(grant)
