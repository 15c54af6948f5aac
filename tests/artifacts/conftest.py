"""Fixtures for the artifact store: jobs with real artifacts on the emulator's S3."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ArtifactStore,
    ExtractionPolicy,
    Job,
    JobsClient,
    TransferConfig,
)
from cpjobs.testing import CodePipelineEmulator

ACTION = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="cpjobs-artifacts",
    version="1",
)
#: Multipart and ranged transfers at S3's smallest part, so tests stay small
#: (against the emulator the store moves files whole unless told otherwise).
SMALL_PARTS = TransferConfig(
    part_size=5 << 20, multipart_threshold=5 << 20, parallel=True
)

JobFactory = Callable[..., Awaitable[Job]]


Extract = Callable[..., Awaitable[Path]]


@pytest.fixture
def make_job(emulator: CodePipelineEmulator, jobs_client: JobsClient) -> JobFactory:
    """Queue a job (arguments as for ``enqueue_job``) and poll it with cpjobs."""

    async def make(
        inputs: dict[str, bytes] | None = None,
        outputs: Sequence[str] = (),
        *,
        encryption_key: bool = False,
    ) -> Job:
        emulator.enqueue_job(
            ACTION,
            input_artifacts=inputs,
            output_artifacts=outputs,
            encryption_key=encryption_key,
        )
        jobs = (await jobs_client.poll_for_jobs(action_type_id=ACTION)).jobs
        assert jobs is not None and len(jobs) == 1
        return jobs[0]

    return make


@pytest.fixture
async def store_for(
    jobs_client: JobsClient,
) -> AsyncIterator[Callable[..., ArtifactStore]]:
    """Make stores for jobs on the emulator; all closed after the test."""
    stores: list[ArtifactStore] = []

    def make(job: Job, **options: Any) -> ArtifactStore:
        store = ArtifactStore(jobs_client, job, **options)
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.aclose()


@pytest.fixture
def extract(
    make_job: JobFactory, store_for: Callable[..., ArtifactStore], tmp_path: Path
) -> Extract:
    """Put ``content`` in S3 as a job's input and extract it with the store."""

    async def run(content: bytes, policy: ExtractionPolicy | None = None) -> Path:
        job = await make_job({"Source": content})
        destination = tmp_path / "out"
        return await store_for(job).input().extract(destination, policy=policy)

    return run


@pytest.fixture(scope="session")
def outside_s3(codepipeline_emulator: CodePipelineEmulator) -> Iterator[Any]:
    """A boto3 S3 client on the emulator with the test's own keys."""
    client = boto3.client(
        "s3",
        region_name=codepipeline_emulator.region,
        endpoint_url=codepipeline_emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield client
    client.close()


@pytest.fixture
def s3(emulator: CodePipelineEmulator, outside_s3: Any) -> Any:
    """S3 with the test's own keys let into the artifact bucket, to look at objects.

    Job credentials stay held to their scope, lifetime and the KMS policy;
    ``reset`` makes the bucket strict again after the test.
    """
    emulator.strict_artifact_bucket = False
    return outside_s3
