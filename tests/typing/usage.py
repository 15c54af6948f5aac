"""Typed use of cpjobs' public API, checked by mypy --strict and pyright strict.

Not collected by pytest: it is read by the type checkers only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, assert_type

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
        case cpjobs.JobSkipped(reason=reason, pipeline=pipeline):
            assert_type(reason, cpjobs.SkipReason)
            assert_type(pipeline, "str | None")
        case cpjobs.RetryScheduled(operation=operation, stage=stage):
            assert_type(operation, str)
            assert_type(stage, "str | None")
        case cpjobs.Woken(events=events, dropped=dropped):
            assert_type(events + dropped, int)
        case cpjobs.WakeupFailed(error=error, delay=delay):
            assert_type(error, Exception)
            assert_type(delay, float)
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
        secret_properties={"ApiKey"},
        cancel_wait=1.0,
    )
    await worker.run()
    await worker.run(handle_signals=False)
    stats = worker.stats
    assert_type(stats, cpjobs.WorkerStats)
    assert_type(stats.in_flight, int)

    cpjobs.JobWorker(client, BUILD, handler, max_concurency=4)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]

    provider: cpjobs.ClientTokenProvider = tokens.get
    partner = cpjobs.ThirdPartyJobWorker(client, BUILD, deploy, provider)
    partner.stop()
    cpjobs.ThirdPartyJobWorker(client, BUILD, deploy, tokens)
    options: cpjobs.WorkerOptions = {"max_concurrency": 2, "shutdown_grace": 5.0}
    cpjobs.JobWorker(client, BUILD, handler, **options)
    cpjobs.JobWorker(
        client, BUILD, handler, burst=True, health_file=Path("/run/heartbeat")
    )
    cpjobs.JobWorker(client, BUILD, handler, burst="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    woken = cpjobs.JobWorker(
        client,
        BUILD,
        handler,
        wakeup_queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/wakeup",
        wakeup_idle_ceiling=600.0,
    )
    assert_type(woken.stats.wakeups, int)
    assert_type(woken.stats.wakeup_errors, int)
    pattern = cpjobs.event_pattern(BUILD)
    assert_type(pattern, dict[str, Any])
    assert_type(cpjobs.wakeup_template(BUILD), dict[str, Any])
    async with client.sibling("sqs") as sqs:
        cpjobs.JobWorker(client, BUILD, handler, wakeup_sqs_client=sqs)


async def action_types(client: cpjobs.JobsClient) -> None:
    artifacts = cpjobs.ArtifactDetails(minimum_count=0, maximum_count=1)
    created = await client.create_custom_action_type(
        category=cpjobs.ActionCategory.TEST,
        provider="Lint",
        version="1",
        input_artifact_details=artifacts,
        output_artifact_details=artifacts,
        configuration_properties=[
            cpjobs.ActionConfigurationProperty(
                name="Project", required=True, key=True, secret=False, queryable=True
            )
        ],
        tags=[cpjobs.Tag(key="team", value="ci")],
    )
    assert_type(created.action_type, cpjobs.ActionType)
    page = await client.list_action_types(action_owner_filter=cpjobs.ActionOwner.CUSTOM)
    assert_type(page.next_token, "str | None")
    async for action_type in client.action_types():
        assert_type(action_type, cpjobs.ActionType)
        assert_type(
            action_type.action_configuration_properties,
            "tuple[cpjobs.ActionConfigurationProperty, ...] | None",
        )
    await client.delete_custom_action_type(
        category=cpjobs.ActionCategory.TEST, provider="Lint", version="1"
    )


def enums_from_strings() -> None:
    lint = cpjobs.ActionTypeId(
        category="Test", owner="Custom", provider="Lint", version="1"
    )
    assert_type(lint.category, cpjobs.ActionCategory)
    assert_type(lint.owner, cpjobs.ActionOwner)
    details = cpjobs.FailureDetails(type="ConfigurationError", message="no project")
    assert_type(details.type, cpjobs.FailureType)
    prop = cpjobs.ActionConfigurationProperty(
        name="Project", required=True, key=True, secret=False, type="String"
    )
    assert_type(prop.type, "cpjobs.ActionConfigurationPropertyType | None")
    cpjobs.ActionTypeId(category=3, owner="Custom", provider="Lint", version="1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def action_type_spec(client: cpjobs.JobsClient) -> None:
    spec = cpjobs.ActionTypeSpec(
        category="Test",
        provider="Lint",
        version="1",
        input_artifact_details=cpjobs.ArtifactDetails(minimum_count=1, maximum_count=1),
        output_artifact_details=cpjobs.ArtifactDetails(
            minimum_count=0, maximum_count=0
        ),
    )
    assert_type(spec.action_type_id, cpjobs.ActionTypeId)
    assert_type(cpjobs.ActionTypeSpec.load("lint.toml"), cpjobs.ActionTypeSpec)
    try:
        outcome = await cpjobs.register_action_type(client, spec)
    except cpjobs.ActionTypeConflict as conflict:
        assert_type(conflict.differences, tuple[str, ...])
        return
    assert_type(outcome, cpjobs.Registration)
    registered = await cpjobs.find_action_type(client, spec.action_type_id)
    if registered is not None:
        assert_type(cpjobs.action_type_differences(spec, registered), tuple[str, ...])
    assert_type(cpjobs.cloudformation_template(spec), dict[str, Any])


def logs() -> None:
    handler = cpjobs.configure_logging(format="json", level="DEBUG")
    assert_type(handler, logging.Handler)
    handler.addFilter(cpjobs.JobFieldsFilter(placeholder="?"))
    handler.setFormatter(cpjobs.JsonFormatter())


async def artifacts(
    client: cpjobs.JobsClient,
    job: cpjobs.Job,
    partner_job: cpjobs.ThirdPartyJobDetails,
    token: str,
) -> None:
    def on_transfer(event: cpjobs.ArtifactTransferred) -> None:
        assert_type(event.direction, cpjobs.TransferDirection)
        assert_type(event.size, int)

    config = cpjobs.TransferConfig(part_size=16 << 20, max_concurrency=8)
    async with cpjobs.ArtifactStore(
        client, job, config=config, on_event=on_transfer
    ) as store:
        source = store.input("SourceArtifact")
        assert_type(source, cpjobs.InputArtifact)
        policy = cpjobs.ExtractionPolicy(max_ratio=None, links=cpjobs.LinkPolicy.REFUSE)
        try:
            tree = await source.extract("/tmp/src", policy=policy)
        except cpjobs.UnsafeArchive as refused:
            assert_type(refused.rule, cpjobs.ArchiveRule)
            assert_type(refused.entry, str)
            raise
        assert_type(tree, Path)
        async with store.input().stream() as chunks:
            async for chunk in chunks:
                assert_type(chunk, bytes)
        output = store.output()
        assert_type(output, cpjobs.OutputArtifact)
        size = await output.upload_directory(
            tree, archive_format=cpjobs.ArchiveFormat.TAR_GZ
        )
        assert_type(size, int)
        assert_type(store.encryption_key, "cpjobs.EncryptionKey | None")

    cpjobs.ArtifactStore(client, partner_job, client_token=token)
    cpjobs.ArtifactStore(client, partner_job)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    cpjobs.TransferConfig(part_size="8M")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def lint_handler(job: cpjobs.Job, ctx: cpjobs.JobContext) -> cpjobs.Success:
    assert_type(ctx.artifacts, cpjobs.ArtifactStore)
    await ctx.artifacts.output().upload_file("report.zip")
    return cpjobs.Success()


def emulator_setup() -> None:
    from cpjobs.testing import CodePipelineEmulator, JobRecord

    with CodePipelineEmulator.serve(succeed_aws_actions=True):
        pass
    with CodePipelineEmulator.serve(strict_artifact_bucket=False) as emulator:
        emulator.register_action_type(BUILD, queryable_property="Team")
        emulator.set_timeouts(credentials=60.0)
        emulator.strict_artifact_bucket = True
        job_id = emulator.enqueue_job(BUILD, configuration={"Team": "web"})
        assert_type(emulator.job(job_id), JobRecord)
        source = cpjobs.S3ArtifactLocation(bucket_name="sources", object_key="app.zip")
        emulator.enqueue_job(BUILD, input_artifacts={"Source": source, "Config": b"{}"})
        partner = cpjobs.ActionTypeId(
            category=cpjobs.ActionCategory.DEPLOY,
            owner=cpjobs.ActionOwner.THIRD_PARTY,
            provider="Partner",
            version="1",
        )
        _, client_id, _ = emulator.enqueue_third_party_job(partner)
        assert_type(emulator.client_token(client_id), "str | None")
        provider: cpjobs.ClientTokenProvider = emulator.client_token
        assert provider
        assert_type(emulator.calls("PollForJobs"), int)
        emulator.register_action_type(BUILD, queryable=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


async def invoked(job: cpjobs.Job, ctx: cpjobs.JobContext) -> cpjobs.Outcome | None:
    parameters = cpjobs.user_parameters(job)
    assert_type(parameters, "cpjobs.UserParameters | None")
    if parameters is not None and parameters.is_json:
        assert_type(parameters.value, object)
    ctx.checkpoint("step-1")
    return cpjobs.Success(output_variables={"Stack": "web"})


def lambda_function(event: Mapping[str, Any], context: cpjobs.LambdaContext) -> None:
    function = cpjobs.lambda_handler(
        invoked,
        client=lambda: cpjobs.JobsClient.create(region_name="eu-west-1"),
        time_margin=15.0,
        retry_attempts=4,
        secret_properties={"UserParameters"},
    )
    assert_type(function, cpjobs.LambdaHandler)
    function(event, context)
    job = cpjobs.job_from_event(event)
    assert_type(job, cpjobs.Job)
    try:
        cpjobs.job_from_event({})
    except cpjobs.InvalidEvent as error:
        assert_type(error.path, str)
