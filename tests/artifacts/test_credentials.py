"""Credentials: the job's own, refreshed through its details while transfers go on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import attrs
import pytest

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ArtifactAccessDenied,
    ArtifactStore,
    JobsClient,
)
from cpjobs.testing import CodePipelineEmulator

from .conftest import SMALL_PARTS, JobFactory
from .test_transfers import LARGE

Stores = Callable[..., ArtifactStore]
PARTNER = ActionTypeId(
    category=ActionCategory.DEPLOY,
    owner=ActionOwner.THIRD_PARTY,
    provider="cpjobs-artifacts",
    version="1",
)


async def test_fresh_credentials_are_not_refreshed(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    tmp_path: Path,
) -> None:
    """Transfers with the job's young credentials ask for no job details."""
    job = await make_job({"In": b"a"}, ["Out"])
    store = store_for(job)

    await store.input().download(tmp_path / "in")
    await store.output().upload_file(tmp_path / "in")

    assert 0 == emulator.calls("GetJobDetails")


async def test_old_credentials_are_refreshed_during_a_multipart_upload(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    tmp_path: Path,
) -> None:
    """Credentials refreshed before every request leave a multipart upload whole.

    ``refresh_after=0`` makes every credential set old at once: each of the
    five requests (create, three parts, complete) waits for GetJobDetails.
    """
    source = tmp_path / "big"
    source.write_bytes(LARGE)
    job = await make_job(outputs=["Out"])
    store = store_for(job, config=SMALL_PARTS, refresh_after=0)

    await store.output().upload_file(source)

    assert (True, LARGE) == (
        emulator.calls("GetJobDetails") >= 5,
        emulator.read_artifact(job.id or "", "Out"),
    )


async def test_old_credentials_are_refreshed_during_a_ranged_download(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    tmp_path: Path,
) -> None:
    """Concurrent ranged GETs share each refresh and the file comes out whole."""
    job = await make_job({"Big": LARGE})
    config = attrs.evolve(SMALL_PARTS, parallel=True)
    store = store_for(job, config=config, refresh_after=0)

    path = await store.input().download(tmp_path / "big")

    assert (True, LARGE) == (emulator.calls("GetJobDetails") >= 3, path.read_bytes())


async def test_third_party_credentials_refresh_with_the_client_token(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, tmp_path: Path
) -> None:
    """A third-party job's store refreshes through GetThirdPartyJobDetails."""
    job_id, _, client_token = emulator.enqueue_third_party_job(
        PARTNER, input_artifacts={"In": b"partner bytes"}
    )
    await jobs_client.poll_for_third_party_jobs(action_type_id=PARTNER)
    details = (
        await jobs_client.get_third_party_job_details(
            job_id=job_id, client_token=client_token
        )
    ).job_details
    assert details is not None
    before = emulator.calls("GetThirdPartyJobDetails")

    async with ArtifactStore(
        jobs_client, details, client_token=client_token, refresh_after=0
    ) as store:
        path = await store.input().download(tmp_path / "in")

    assert (True, b"partner bytes") == (
        emulator.calls("GetThirdPartyJobDetails") > before,
        path.read_bytes(),
    )


async def test_credentials_expiring_mid_upload_are_refreshed(
    make_job: JobFactory, store_for: Stores, emulator: CodePipelineEmulator
) -> None:
    """S3 answers ExpiredToken between parts; the store refreshes and the upload ends whole.

    The stream moves the emulator's clock past the credentials' 15 minutes
    after handing out its second part, while parts are in flight.
    """
    part = SMALL_PARTS.part_size

    async def chunks() -> AsyncIterator[bytes]:
        for index, start in enumerate(range(0, len(LARGE), part)):
            if index == 2:
                emulator.advance_clock(901)
            yield LARGE[start : start + part]

    job = await make_job(outputs=["Out"])

    await store_for(job, config=SMALL_PARTS).output().upload_stream(chunks())

    assert (True, LARGE) == (
        emulator.calls("GetJobDetails") >= 1,
        emulator.read_artifact(job.id or "", "Out"),
    )


async def test_credentials_expired_before_a_download_are_refreshed(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    tmp_path: Path,
) -> None:
    """A job that waited past its credentials' lifetime still downloads its input."""
    job = await make_job({"In": b"late but fine"})
    emulator.advance_clock(901)

    path = await store_for(job).input().download(tmp_path / "in")

    assert (1, b"late but fine") == (
        emulator.calls("GetJobDetails"),
        path.read_bytes(),
    )


async def test_credentials_that_stay_expired_are_access_denied(
    make_job: JobFactory,
    store_for: Stores,
    emulator: CodePipelineEmulator,
    tmp_path: Path,
) -> None:
    """If fresh credentials expire too, the store gives up after one refresh.

    The error is retryable (a later attempt gets new credentials) and shows
    no credential.
    """
    emulator.set_timeouts(credentials=0.001)
    job = await make_job({"In": b"x"})
    assert job.data is not None and job.data.artifact_credentials is not None
    emulator.advance_clock(1)

    with pytest.raises(ArtifactAccessDenied) as caught:
        await store_for(job).input().download(tmp_path / "in")

    credentials = job.data.artifact_credentials
    assert ("ExpiredToken", True, 1, False) == (
        caught.value.reason.split(":")[0],
        caught.value.retryable,
        emulator.calls("GetJobDetails"),
        credentials.access_key_id in str(caught.value)
        or credentials.session_token in str(caught.value),
    )


async def test_another_jobs_artifact_is_access_denied(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """Credentials are scoped to their job: another job's output is refused."""
    mine = await make_job(outputs=["Out"])
    theirs = await make_job(outputs=["Out"])
    assert mine.data is not None and theirs.data is not None
    borrowed = attrs.evolve(
        mine,
        data=attrs.evolve(mine.data, output_artifacts=theirs.data.output_artifacts),
    )
    (tmp_path / "f").write_bytes(b"x")

    with pytest.raises(ArtifactAccessDenied) as caught:
        await store_for(borrowed).output().upload_file(tmp_path / "f")

    assert ("Out", "AccessDenied: Access Denied", False) == (
        caught.value.artifact,
        caught.value.reason,
        caught.value.retryable,
    )


async def test_the_bucket_policy_refuses_unencrypted_uploads(
    make_job: JobFactory, store_for: Stores, tmp_path: Path
) -> None:
    """The job's key is what makes uploads pass the KMS policy: dropped, they fail.

    The job is the emulator's; only the store is shown a copy without its key.
    """
    job = await make_job(outputs=["Out"], encryption_key=True)
    assert job.data is not None
    keyless = attrs.evolve(job, data=attrs.evolve(job.data, encryption_key=None))
    (tmp_path / "f").write_bytes(b"x")

    with pytest.raises(ArtifactAccessDenied):
        await store_for(keyless).output().upload_file(tmp_path / "f")
