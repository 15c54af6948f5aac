"""Credentials: the job's own, refreshed through its details while transfers go on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
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
    config = attrs.evolve(SMALL_PARTS, ranged_downloads=True)
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
