"""Typed use of cpjobs' public API, checked by mypy --strict and pyright strict.

Not collected by pytest: it is read by the type checkers only.
"""

from __future__ import annotations

from typing_extensions import assert_type

import cpjobs

BUILD = cpjobs.ActionTypeId(
    category=cpjobs.ActionCategory.BUILD,
    owner=cpjobs.ActionOwner.CUSTOM,
    provider="MyTool",
    version="1",
)


async def custom_worker(client: cpjobs.JobsClient) -> None:
    output = await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=2)
    assert_type(output, cpjobs.PollForJobsOutput)
    for job in output.jobs or ():
        assert_type(job, cpjobs.Job)
        if job.id is None or job.nonce is None:
            continue
        ack = await client.acknowledge_job(job_id=job.id, nonce=job.nonce)
        assert_type(ack.status, "cpjobs.JobStatus | None")
        match ack.status:
            case cpjobs.JobStatus.IN_PROGRESS:
                await client.put_job_success_result(
                    job_id=job.id,
                    execution_details=cpjobs.ExecutionDetails(percent_complete=100),
                    output_variables={"Result": "ok"},
                )
            case _:
                continue
        details = await client.get_job_details(job_id=job.id)
        assert_type(details.job_details, "cpjobs.JobDetails | None")
        await client.put_job_failure_result(
            job_id=job.id,
            failure_details=cpjobs.FailureDetails(
                type=cpjobs.FailureType.JOB_FAILED, message="no"
            ),
        )


async def third_party_worker(client: cpjobs.JobsClient, token: str) -> None:
    stream = client.third_party_jobs(BUILD)
    assert_type(stream, cpjobs.JobStream[cpjobs.ThirdPartyJob])
    async for polled in stream:
        assert polled.job_id is not None
        output = await client.get_third_party_job_details(
            job_id=polled.job_id, client_token=token
        )
        assert_type(output.job_details, "cpjobs.ThirdPartyJobDetails | None")
        await client.put_third_party_job_success_result(
            job_id=polled.job_id, client_token=token
        )
        break


async def iterate(client: cpjobs.JobsClient) -> None:
    async for job in client.jobs(BUILD, backoff=cpjobs.Backoff(maximum=5.0)):
        assert_type(job, cpjobs.Job)
        break


async def created() -> None:
    async with cpjobs.JobsClient.create(region_name="eu-west-1") as client:
        assert_type(client, cpjobs.JobsClient)


def wire() -> None:
    job = cpjobs.converter.structure({"id": "x"}, cpjobs.Job)
    assert_type(job, cpjobs.Job)
    category = cpjobs.ActionCategory("Quantum")
    assert_type(category.is_known, bool)


def errors(error: cpjobs.ServiceError) -> None:
    assert_type(error.code, str)
    assert_type(error.retryable, bool)
    assert_type(error.http_status, "int | None")
