"""Encryption: uploads use the job's KMS key, single and multipart; none without one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cpjobs import ArtifactStore

from .conftest import SMALL_PARTS, JobFactory

Stores = Callable[..., ArtifactStore]


@pytest.mark.parametrize("size", [1000, (5 << 20) + 1], ids=["single", "multipart"])
async def test_uploads_use_the_jobs_kms_key(
    size: int, make_job: JobFactory, store_for: Stores, s3: Any, tmp_path: Path
) -> None:
    """With an encryptionKey, S3 records aws:kms with that key id."""
    job = await make_job(outputs=["Out"], encryption_key=True)
    assert job.data is not None and job.data.encryption_key is not None
    source = tmp_path / "out.bin"
    source.write_bytes(os.urandom(size))
    output = store_for(job, config=SMALL_PARTS).output()

    await output.upload_file(source)

    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert ("aws:kms", job.data.encryption_key.id) == (
        head.get("ServerSideEncryption"),
        head.get("SSEKMSKeyId"),
    )


async def test_directory_uploads_use_the_jobs_kms_key(
    make_job: JobFactory, store_for: Stores, s3: Any, tmp_path: Path
) -> None:
    """A zipped directory is encrypted like any upload."""
    job = await make_job(outputs=["Out"], encryption_key=True)
    (tmp_path / "a.txt").write_bytes(b"a")
    output = store_for(job).output()

    await output.upload_directory(tmp_path)

    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert "aws:kms" == head.get("ServerSideEncryption")


@pytest.mark.parametrize("size", [1000, (5 << 20) + 1], ids=["single", "multipart"])
async def test_no_key_no_kms_headers(
    size: int, make_job: JobFactory, store_for: Stores, s3: Any, tmp_path: Path
) -> None:
    """Without an encryptionKey the upload asks for no KMS encryption."""
    job = await make_job(outputs=["Out"])
    source = tmp_path / "out.bin"
    source.write_bytes(os.urandom(size))
    output = store_for(job, config=SMALL_PARTS).output()

    await output.upload_file(source)

    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert (None, None, False) == (
        store_for(job).encryption_key,
        head.get("SSEKMSKeyId"),
        head.get("ServerSideEncryption") == "aws:kms",
    )


async def test_encrypted_inputs_download(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """An input stored with SSE-KMS downloads with the job's credentials."""
    job = await make_job({"In": b"secret sauce"}, encryption_key=True)

    path = await store_for(job).input().download(tmp_path / "in")

    assert b"secret sauce" == path.read_bytes()
