"""Transfers: files, streams, multipart, ranged downloads, events and errors."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiobotocore.config import AioConfig

from cpjobs import (
    Artifact,
    ArtifactError,
    ArtifactNotFound,
    ArtifactStore,
    ArtifactTransferred,
    ClientNotOpen,
    InvalidField,
    JobsClient,
    S3ArtifactLocation,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
    TransferConfig,
    TransferDirection,
)
from cpjobs.testing import CodePipelineEmulator

from .conftest import SMALL_PARTS, JobFactory

Stores = Callable[..., ArtifactStore]
#: Just over two 5 MiB parts: three parts, the last one short.
LARGE = os.urandom((10 << 20) + 12345)


async def test_file_downloads_as_stored(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """``download`` writes the object's bytes unchanged, whatever they are."""
    job = await make_job({"Blob": b"\x00not an archive\xff"})

    path = await store_for(job).input().download(tmp_path / "blob.bin")

    assert b"\x00not an archive\xff" == path.read_bytes()


async def test_stream_yields_the_bytes(make_job: JobFactory, store_for: Stores) -> None:
    """``stream`` hands out the object's bytes as they arrive."""
    job = await make_job({"Blob": LARGE})

    async with store_for(job).input().stream() as chunks:
        received = b"".join([chunk async for chunk in chunks])

    assert LARGE == received


@pytest.mark.parametrize("ranged", [True, False], ids=["ranged", "single-get"])
async def test_large_download_is_whole(
    ranged: bool, make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """A three-part object downloads byte for byte, with ranges or one GET."""
    job = await make_job({"Big": LARGE})
    config = attrs.evolve(SMALL_PARTS, parallel=ranged)

    path = await store_for(job, config=config).input().download(tmp_path / "big")

    assert LARGE == path.read_bytes()


async def test_empty_object_downloads_with_ranges(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """An empty object (no byte 0 to range over) downloads as an empty file."""
    job = await make_job({"Empty": b""})
    config = attrs.evolve(SMALL_PARTS, parallel=True)

    path = await store_for(job, config=config).input().download(tmp_path / "empty")

    assert b"" == path.read_bytes()


async def test_large_file_uploads_in_parts(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    s3: Any,
    tmp_path: Path,
) -> None:
    """A file over the threshold is a multipart upload of part_size parts."""
    source = tmp_path / "big"
    source.write_bytes(LARGE)
    job = await make_job(outputs=["Out"])
    output = store_for(job, config=SMALL_PARTS).output()

    size = await output.upload_file(source)

    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert (len(LARGE), LARGE, "-3") == (
        size,
        emulator.read_artifact(job.id or "", "Out"),
        head["ETag"].strip('"')[-2:],
    )


async def test_against_a_custom_endpoint_files_go_whole(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    s3: Any,
    tmp_path: Path,
) -> None:
    """By default, against the emulator, a file over the threshold is one PutObject."""
    source = tmp_path / "big"
    source.write_bytes(LARGE)
    job = await make_job(outputs=["Out"])
    config = attrs.evolve(SMALL_PARTS, parallel=None)
    output = store_for(job, config=config).output()

    await output.upload_file(source)

    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert (LARGE, False) == (
        emulator.read_artifact(job.id or "", "Out"),
        "-" in head["ETag"],
    )


async def test_stream_uploads_in_parts(
    make_job: JobFactory, store_for: Stores, emulator: CodePipelineEmulator
) -> None:
    """Chunks of any size are regrouped into parts and uploaded in order."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(LARGE), 777_777):
            yield LARGE[start : start + 777_777]

    job = await make_job(outputs=["Out"])

    size = await store_for(job, config=SMALL_PARTS).output().upload_stream(chunks())

    assert (len(LARGE), LARGE) == (size, emulator.read_artifact(job.id or "", "Out"))


async def test_small_stream_is_one_put(
    make_job: JobFactory, store_for: Stores, emulator: CodePipelineEmulator, s3: Any
) -> None:
    """A stream shorter than a part is a single PutObject with its Content-Type."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    job = await make_job(outputs=["Out"])
    output = store_for(job).output()

    await output.upload_stream(chunks(), content_type="text/plain")

    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert (b"hello world", "text/plain", False) == (
        emulator.read_artifact(job.id or "", "Out"),
        head["ContentType"],
        "-" in head["ETag"],
    )


async def test_transfers_report_events(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """Each download and upload calls on_event with direction, artifact and bytes."""
    events: list[ArtifactTransferred] = []
    job = await make_job({"In": b"12345"}, ["Out"])
    store = store_for(job, on_event=events.append)

    await store.input().download(tmp_path / "in")
    await store.output().upload_file(tmp_path / "in")

    assert [
        (job.id, "In", TransferDirection.DOWNLOAD, 5),
        (job.id, "Out", TransferDirection.UPLOAD, 5),
    ] == [(e.job_id, e.artifact, e.direction, e.size) for e in events]


async def test_artifacts_by_name_and_the_only_one(
    make_job: JobFactory, store_for: Stores
) -> None:
    """Handles come by name, in the job's order; without a name, the only one."""
    job = await make_job({"A": b"a", "B": b"b"}, ["Out"])
    store = store_for(job)

    assert (["A", "B"], "B", "Out") == (
        [artifact.name for artifact in store.inputs],
        store.input("B").name,
        store.output().name,
    )


async def test_an_unknown_name_is_not_found(
    make_job: JobFactory, store_for: Stores
) -> None:
    """Asking for an artifact the job does not have names it and the ones there are."""
    job = await make_job({"Source": b"a"})

    with pytest.raises(ArtifactNotFound) as caught:
        store_for(job).input("Sauce")

    assert ("Sauce", True) == (caught.value.artifact, "['Source']" in str(caught.value))


async def test_the_only_one_needs_exactly_one(
    make_job: JobFactory, store_for: Stores
) -> None:
    """Without a name, two inputs are ambiguous."""
    job = await make_job({"A": b"a", "B": b"b"})

    with pytest.raises(ArtifactNotFound, match="2 input artifacts"):
        store_for(job).input()


async def test_a_missing_object_is_not_found(
    make_job: JobFactory, store_for: Stores, s3: Any, tmp_path: Path
) -> None:
    """An input whose object is gone from S3 raises ArtifactNotFound, not retryable."""
    job = await make_job({"Gone": b"soon deleted"})
    store = store_for(job)
    location = store.input().location
    s3.delete_object(Bucket=location.bucket_name, Key=location.object_key)

    with pytest.raises(ArtifactNotFound) as caught:
        await store.input().download(tmp_path / "x")

    assert ("Gone", False, False) == (
        caught.value.artifact,
        caught.value.retryable,
        (tmp_path / "x").exists(),
    )


async def test_a_failed_upload_raises(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """An upload S3 refuses (no such bucket) raises: it never passes for success."""
    job = await make_job(outputs=["Out"])
    assert job.data is not None and job.data.output_artifacts is not None
    (artifact,) = job.data.output_artifacts
    assert artifact.location is not None
    nowhere = attrs.evolve(
        artifact,
        location=attrs.evolve(
            artifact.location,
            s3_location=S3ArtifactLocation(
                bucket_name="no-such-bucket", object_key="k"
            ),
        ),
    )
    broken = attrs.evolve(job, data=attrs.evolve(job.data, output_artifacts=(nowhere,)))
    (tmp_path / "f").write_bytes(b"x")

    with pytest.raises(ArtifactError) as caught:
        await store_for(broken).output().upload_file(tmp_path / "f")

    assert "NoSuchBucket" in str(caught.value)


async def test_a_failed_multipart_upload_is_aborted(
    make_job: JobFactory, store_for: Stores, s3: Any
) -> None:
    """A stream that fails after some parts leaves no multipart upload behind."""

    async def chunks() -> AsyncIterator[bytes]:
        yield LARGE
        raise OSError("disk gone")

    job = await make_job(outputs=["Out"])
    output = store_for(job, config=SMALL_PARTS).output()

    with pytest.raises(OSError, match="disk gone"):
        await output.upload_stream(chunks())

    uploads = s3.list_multipart_uploads(Bucket=output.location.bucket_name)
    assert [] == [
        upload["UploadId"]
        for upload in uploads.get("Uploads", [])
        if upload["Key"] == output.location.object_key
    ]


async def test_a_closed_store_takes_no_transfer(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """After aclose, a transfer raises ClientNotOpen."""
    job = await make_job({"In": b"a"})
    store = store_for(job)
    await store.aclose()

    with pytest.raises(ClientNotOpen):
        await store.input().download(tmp_path / "in")


async def test_store_repr_shows_no_credentials(
    make_job: JobFactory, store_for: Stores
) -> None:
    """The store's and handles' reprs show the job and names, never credentials."""
    job = await make_job({"In": b"a"})
    assert job.data is not None and job.data.artifact_credentials is not None
    store = store_for(job)

    shown = repr(store) + repr(store.input()) + repr(store.inputs)

    assert (True, False) == (
        job.id in shown,
        job.data.artifact_credentials.session_token in shown,
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"part_size": 1 << 20}, "TransferConfig.part_size"),
        ({"multipart_threshold": 0}, "TransferConfig.multipart_threshold"),
        ({"max_concurrency": 0}, "TransferConfig.max_concurrency"),
        ({"max_concurrency": True}, "TransferConfig.max_concurrency"),
    ],
)
def test_transfer_config_is_checked(options: dict[str, Any], field: str) -> None:
    """Part sizes under S3's 5 MiB and no concurrency are refused, naming the field."""
    with pytest.raises(InvalidField) as caught:
        TransferConfig(**options)

    assert field == caught.value.field


async def test_no_answer_from_s3_is_a_retryable_artifact_error(
    make_job: JobFactory, emulator: CodePipelineEmulator, tmp_path: Path
) -> None:
    """A connection S3's endpoint refuses is a retryable ArtifactError."""
    job = await make_job({"In": b"x"})
    async with (
        JobsClient.create(
            region_name=emulator.region,
            endpoint_url="http://127.0.0.1:9",  # discard: nothing listens
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=AioConfig(retries={"total_max_attempts": 1}),
        ) as nowhere,
        ArtifactStore(nowhere, job) as store,
    ):
        with pytest.raises(ArtifactError) as caught:
            await store.input().download(tmp_path / "in")

    assert (True, False) == (caught.value.retryable, (tmp_path / "in").exists())


async def test_a_job_without_data_or_token_is_refused(
    make_job: JobFactory, jobs_client: JobsClient
) -> None:
    """A store needs the job's data, and a third-party job's client token."""
    job = await make_job({"In": b"x"})
    partner = ThirdPartyJobDetails(id=job.id, data=None)

    with pytest.raises(ValueError, match="no id or no data"):
        ArtifactStore(jobs_client, partner, client_token="t")
    with pytest.raises(ValueError, match="client_token"):
        ArtifactStore(  # type: ignore[call-overload]
            jobs_client, ThirdPartyJobDetails(id=job.id, data=ThirdPartyJobData())
        )


async def test_an_artifact_without_a_location_is_not_found(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """An artifact the job lists without an S3 location cannot be read."""
    job = await make_job({"In": b"x"})
    assert job.data is not None
    unlocated = attrs.evolve(
        job, data=attrs.evolve(job.data, input_artifacts=(Artifact(name="In"),))
    )

    with pytest.raises(ArtifactNotFound, match="no S3 location"):
        await store_for(unlocated).input().download(tmp_path / "in")
