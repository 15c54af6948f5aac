"""Typed use of cpjobs' public API, checked by mypy --strict and pyright strict.

Not collected by pytest: it is read by the type checkers only.
"""

from __future__ import annotations

from collections.abc import Mapping

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


async def build(job: cpjobs.Job, ctx: cpjobs.JobContext) -> cpjobs.Outcome | None:
    assert_type(ctx.configuration, Mapping[str, str])
    credentials = await ctx.refresh_credentials()
    assert_type(credentials, cpjobs.AWSSessionCredentials)
    if ctx.continuation_token is None:
        ctx.checkpoint("step-1", percent_complete=10)
        return cpjobs.Continue("step-1", percent_complete=50)
    if job.data is None:
        return cpjobs.Failure("no data", type=cpjobs.FailureType.CONFIGURATION_ERROR)
    return cpjobs.Success(output_variables={"Digest": "abc"})


async def deploy(
    job: cpjobs.ThirdPartyJobDetails, ctx: cpjobs.JobContext
) -> cpjobs.Success:
    ctx.logger.info("deploying %s", job.id)
    return cpjobs.Success()


def on_event(event: cpjobs.WorkerEvent) -> None:
    match event:
        case cpjobs.JobFinished(result=cpjobs.JobResult.FAILED, failure_type=kind):
            assert_type(kind, "cpjobs.FailureType | None")
        case cpjobs.JobSkipped(reason=reason):
            assert_type(reason, cpjobs.SkipReason)
        case _:
            pass


async def workers(client: cpjobs.JobsClient, tokens: dict[str, str]) -> None:
    handler: cpjobs.JobHandler = build
    worker = cpjobs.JobWorker(
        client,
        BUILD,
        handler,
        query_param={"Team": "web"},
        max_concurrency=4,
        poll_backoff=cpjobs.Backoff(initial=1.0, maximum=30.0),
        on_event=on_event,
    )
    await worker.run(handle_signals=True)
    stats = worker.stats
    assert_type(stats, cpjobs.WorkerStats)
    assert_type(stats.in_flight, int)

    cpjobs.JobWorker(client, BUILD, handler, max_concurency=4)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]

    provider: cpjobs.ClientTokenProvider = tokens.get
    partner = cpjobs.ThirdPartyJobWorker(client, BUILD, deploy, provider)
    partner.stop()


def emulator_setup() -> None:
    from cpjobs.testing import CodePipelineEmulator, JobRecord

    with CodePipelineEmulator.serve(strict_artifact_bucket=False) as emulator:
        emulator.register_action_type(BUILD, queryable_property="Team")
        emulator.set_timeouts(credentials=60.0)
        emulator.strict_artifact_bucket = True
        job_id = emulator.enqueue_job(BUILD, configuration={"Team": "web"})
        assert_type(emulator.job(job_id), JobRecord)
        assert_type(emulator.calls("PollForJobs"), int)
        emulator.register_action_type(BUILD, queryable=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
