"""JobsClient over real aiobotocore HTTP against the emulator."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from aiobotocore.stub import AioStubber
from botocore.exceptions import ClientError, EndpointConnectionError

import cpjobs
from cpjobs.testing import CodePipelineEmulator

BUILD = cpjobs.ActionTypeId(
    category=cpjobs.ActionCategory.BUILD,
    owner=cpjobs.ActionOwner.CUSTOM,
    provider="ClientTest",
    version="1",
)
PARTNER = cpjobs.ActionTypeId(
    category=cpjobs.ActionCategory.DEPLOY,
    owner=cpjobs.ActionOwner.THIRD_PARTY,
    provider="ClientPartner",
    version="1",
)
MISSING_JOB = "00000000-0000-4000-8000-000000000000"
FAILED = cpjobs.FailureDetails(type=cpjobs.FailureType.JOB_FAILED, message="broken")
#: botocore retries throttling and 5xx itself; these tests need the first answer.
ONE_ATTEMPT = AioConfig(retries={"mode": "standard", "total_max_attempts": 1})
#: One session for all tests: it caches botocore's service model.
SESSION = get_session()


@pytest.fixture
async def client(emulator: CodePipelineEmulator) -> AsyncIterator[cpjobs.JobsClient]:
    """A JobsClient on the emulator whose botocore never retries."""
    async with cpjobs.JobsClient.create(
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=ONE_ATTEMPT,
        session=SESSION,
    ) as jobs_client:
        yield jobs_client


async def poll_one(client: cpjobs.JobsClient) -> cpjobs.Job:
    output = await client.poll_for_jobs(action_type_id=BUILD)
    assert output.jobs is not None
    (job,) = output.jobs
    return job


async def claim_one(
    client: cpjobs.JobsClient, emulator: CodePipelineEmulator, **enqueue: Any
) -> cpjobs.Job:
    """Enqueue a job, poll it and acknowledge it."""
    emulator.enqueue_job(BUILD, **enqueue)
    job = await poll_one(client)
    assert job.id is not None and job.nonce is not None
    await client.acknowledge_job(job_id=job.id, nonce=job.nonce)
    return job


class TestCustomOperations:
    async def test_poll_returns_typed_jobs(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """PollForJobs gives Jobs with their data, credentials and configuration."""
        job_id = emulator.enqueue_job(
            BUILD,
            configuration={"Project": "web"},
            input_artifacts={"Src": b"zip"},
            output_artifacts=["Out"],
        )

        job = await poll_one(client)

        assert job.data is not None
        assert (job_id, BUILD, {"Project": "web"}, ("Src",), ("Out",)) == (
            job.id,
            job.data.action_type_id,
            dict(job.data.action_configuration.configuration or {})
            if job.data.action_configuration
            else None,
            tuple(a.name for a in job.data.input_artifacts or ()),
            tuple(a.name for a in job.data.output_artifacts or ()),
        )
        assert isinstance(job.data.artifact_credentials, cpjobs.AWSSessionCredentials)

    async def test_acknowledge_returns_in_progress(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """AcknowledgeJob with the polled nonce answers InProgress."""
        emulator.enqueue_job(BUILD)
        job = await poll_one(client)
        assert job.id is not None and job.nonce is not None

        output = await client.acknowledge_job(job_id=job.id, nonce=job.nonce)

        assert cpjobs.JobStatus.IN_PROGRESS is output.status

    async def test_success_result_is_recorded(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """PutJobSuccessResult sends details, revision and output variables."""
        job = await claim_one(client, emulator)
        assert job.id is not None
        details = cpjobs.ExecutionDetails(summary="built", percent_complete=100)
        revision = cpjobs.CurrentRevision(revision="abc", change_identifier="c1")

        result = await client.put_job_success_result(
            job_id=job.id,
            execution_details=details,
            current_revision=revision,
            output_variables={"Artifact": "web.zip"},
        )

        record = emulator.job(job.id)
        assert record.success is not None
        assert (
            None,
            cpjobs.JobStatus.SUCCEEDED,
            details,
            revision,
            {"Artifact": "web.zip"},
        ) == (
            result,
            record.status,
            record.success.execution_details,
            record.success.current_revision,
            dict(record.success.output_variables or {}),
        )

    async def test_failure_result_is_recorded(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """PutJobFailureResult records the failure details."""
        job = await claim_one(client, emulator)
        assert job.id is not None

        await client.put_job_failure_result(job_id=job.id, failure_details=FAILED)

        record = emulator.job(job.id)
        assert (cpjobs.JobStatus.FAILED, FAILED) == (
            record.status,
            record.failure_details,
        )

    async def test_get_job_details_has_no_nonce(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """GetJobDetails returns the job's data and account, for fresh credentials."""
        job = await claim_one(client, emulator, configuration={"K": "v"})
        assert job.id is not None

        output = await client.get_job_details(job_id=job.id)

        assert output.job_details is not None
        assert (
            job.id,
            job.account_id,
            job.data.action_type_id if job.data else None,
        ) == (
            output.job_details.id,
            output.job_details.account_id,
            output.job_details.data.action_type_id if output.job_details.data else None,
        )

    async def test_continuation_token_reaches_the_next_job(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A success with a continuation token comes back as the next job's data."""
        job = await claim_one(client, emulator)
        assert job.id is not None

        await client.put_job_success_result(job_id=job.id, continuation_token="step-2")
        next_job = await poll_one(client)

        assert next_job.data is not None
        assert ("step-2", emulator.job(job.id).next_job_id) == (
            next_job.data.continuation_token,
            next_job.id,
        )


class TestEnumsFromStrings:
    async def test_action_type_id_from_strings_polls(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """An ActionTypeId written with strings polls the jobs of its type."""
        typed_by_hand = cpjobs.ActionTypeId(
            category="Build", owner="Custom", provider="ClientTest", version="1"
        )
        job_id = emulator.enqueue_job(BUILD)

        output = await client.poll_for_jobs(action_type_id=typed_by_hand)

        assert [job_id] == [job.id for job in output.jobs or ()]

    async def test_action_type_methods_take_strings(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Category and owner filter may be given as their string values."""
        await client.create_custom_action_type(
            category="Test",
            provider="ClientLint",
            version="1",
            input_artifact_details=ARTIFACTS,
            output_artifact_details=ARTIFACTS,
        )

        listed = await client.list_action_types(action_owner_filter="Custom")
        await client.delete_custom_action_type(
            category="Test", provider="ClientLint", version="1"
        )

        assert [LINT] == [t.id for t in listed.action_types]
        assert [] == [t.id async for t in client.action_types()]


class TestThirdPartyOperations:
    async def test_full_flow(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Poll, details with the token, acknowledge, report success."""
        job_id, client_id, token = emulator.enqueue_third_party_job(PARTNER)

        polled = await client.poll_for_third_party_jobs(action_type_id=PARTNER)
        details = await client.get_third_party_job_details(
            job_id=job_id, client_token=token
        )
        assert details.job_details is not None and details.job_details.nonce is not None
        ack = await client.acknowledge_third_party_job(
            job_id=job_id, nonce=details.job_details.nonce, client_token=token
        )
        await client.put_third_party_job_success_result(
            job_id=job_id,
            client_token=token,
            execution_details=cpjobs.ExecutionDetails(summary="deployed"),
        )

        assert (
            (cpjobs.ThirdPartyJob(client_id=client_id, job_id=job_id),),
            cpjobs.JobStatus.IN_PROGRESS,
            cpjobs.JobStatus.SUCCEEDED,
        ) == (polled.jobs, ack.status, emulator.job(job_id).status)

    async def test_failure_result(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """PutThirdPartyJobFailureResult records the failure."""
        job_id, _, token = emulator.enqueue_third_party_job(PARTNER)
        await client.poll_for_third_party_jobs(action_type_id=PARTNER)
        details = await client.get_third_party_job_details(
            job_id=job_id, client_token=token
        )
        assert details.job_details is not None and details.job_details.nonce is not None
        await client.acknowledge_third_party_job(
            job_id=job_id, nonce=details.job_details.nonce, client_token=token
        )

        await client.put_third_party_job_failure_result(
            job_id=job_id, client_token=token, failure_details=FAILED
        )

        assert FAILED == emulator.job(job_id).failure_details

    async def test_wrong_token_is_invalid_client_token(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A token that is not the client's raises InvalidClientToken."""
        job_id, _, _ = emulator.enqueue_third_party_job(PARTNER)
        await client.poll_for_third_party_jobs(action_type_id=PARTNER)

        with pytest.raises(cpjobs.InvalidClientToken):
            await client.get_third_party_job_details(
                job_id=job_id, client_token="wrong"
            )


# Every modeled error of every operation, and the call that provokes it.
MODELED_ERRORS = {
    "PollForJobs": ["ValidationException", "ActionTypeNotFoundException"],
    "AcknowledgeJob": [
        "ValidationException",
        "InvalidNonceException",
        "JobNotFoundException",
    ],
    "GetJobDetails": ["ValidationException", "JobNotFoundException"],
    "PutJobSuccessResult": [
        "ValidationException",
        "JobNotFoundException",
        "InvalidJobStateException",
        "OutputVariablesSizeExceededException",
    ],
    "PutJobFailureResult": [
        "ValidationException",
        "JobNotFoundException",
        "InvalidJobStateException",
    ],
    "PollForThirdPartyJobs": ["ActionTypeNotFoundException", "ValidationException"],
    "AcknowledgeThirdPartyJob": [
        "ValidationException",
        "InvalidNonceException",
        "JobNotFoundException",
        "InvalidClientTokenException",
    ],
    "GetThirdPartyJobDetails": [
        "JobNotFoundException",
        "ValidationException",
        "InvalidClientTokenException",
        "InvalidJobException",
    ],
    "PutThirdPartyJobSuccessResult": [
        "ValidationException",
        "JobNotFoundException",
        "InvalidJobStateException",
        "InvalidClientTokenException",
    ],
    "PutThirdPartyJobFailureResult": [
        "ValidationException",
        "JobNotFoundException",
        "InvalidJobStateException",
        "InvalidClientTokenException",
    ],
    "CreateCustomActionType": [
        "ValidationException",
        "LimitExceededException",
        "TooManyTagsException",
        "InvalidTagsException",
        "ConcurrentModificationException",
    ],
    "DeleteCustomActionType": [
        "ValidationException",
        "ConcurrentModificationException",
    ],
    "ListActionTypes": ["ValidationException", "InvalidNextTokenException"],
}
ERROR_CLASSES = {
    "ValidationException": cpjobs.ValidationException,
    "ActionTypeNotFoundException": cpjobs.ActionTypeNotFound,
    "InvalidNonceException": cpjobs.InvalidNonce,
    "JobNotFoundException": cpjobs.JobNotFound,
    "InvalidJobStateException": cpjobs.InvalidJobState,
    "OutputVariablesSizeExceededException": cpjobs.OutputVariablesSizeExceeded,
    "InvalidClientTokenException": cpjobs.InvalidClientToken,
    "InvalidJobException": cpjobs.InvalidJob,
    "LimitExceededException": cpjobs.LimitExceeded,
    "TooManyTagsException": cpjobs.TooManyTags,
    "InvalidTagsException": cpjobs.InvalidTags,
    "ConcurrentModificationException": cpjobs.ConcurrentModification,
    "InvalidNextTokenException": cpjobs.InvalidNextToken,
}
#: Another call changing the same action type is worth retrying.
RETRYABLE_CODES = {"ConcurrentModificationException"}
ARTIFACTS = cpjobs.ArtifactDetails(minimum_count=0, maximum_count=1)
CALLS = {
    "PollForJobs": lambda c: c.poll_for_jobs(action_type_id=BUILD),
    "AcknowledgeJob": lambda c: c.acknowledge_job(job_id=MISSING_JOB, nonce="1"),
    "GetJobDetails": lambda c: c.get_job_details(job_id=MISSING_JOB),
    "PutJobSuccessResult": lambda c: c.put_job_success_result(job_id=MISSING_JOB),
    "PutJobFailureResult": lambda c: c.put_job_failure_result(
        job_id=MISSING_JOB, failure_details=FAILED
    ),
    "PollForThirdPartyJobs": lambda c: c.poll_for_third_party_jobs(
        action_type_id=PARTNER
    ),
    "AcknowledgeThirdPartyJob": lambda c: c.acknowledge_third_party_job(
        job_id=MISSING_JOB, nonce="1", client_token="t"
    ),
    "GetThirdPartyJobDetails": lambda c: c.get_third_party_job_details(
        job_id=MISSING_JOB, client_token="t"
    ),
    "PutThirdPartyJobSuccessResult": lambda c: c.put_third_party_job_success_result(
        job_id=MISSING_JOB, client_token="t"
    ),
    "PutThirdPartyJobFailureResult": lambda c: c.put_third_party_job_failure_result(
        job_id=MISSING_JOB, client_token="t", failure_details=FAILED
    ),
    "CreateCustomActionType": lambda c: c.create_custom_action_type(
        category=cpjobs.ActionCategory.BUILD,
        provider="ClientTest",
        version="2",
        input_artifact_details=ARTIFACTS,
        output_artifact_details=ARTIFACTS,
    ),
    "DeleteCustomActionType": lambda c: c.delete_custom_action_type(
        category=cpjobs.ActionCategory.BUILD, provider="ClientTest", version="1"
    ),
    "ListActionTypes": lambda c: c.list_action_types(next_token="page-2"),
}
ERROR_TABLE = [(op, code) for op, codes in MODELED_ERRORS.items() for code in codes]


LINT = cpjobs.ActionTypeId(
    category=cpjobs.ActionCategory.TEST,
    owner=cpjobs.ActionOwner.CUSTOM,
    provider="ClientLint",
    version="1",
)


async def create_lint(client: cpjobs.JobsClient) -> cpjobs.CreateCustomActionTypeOutput:
    return await client.create_custom_action_type(
        category=LINT.category,
        provider=LINT.provider,
        version=LINT.version,
        settings=cpjobs.ActionTypeSettings(
            entity_url_template="https://lint.example/{Config:Project}"
        ),
        configuration_properties=[
            cpjobs.ActionConfigurationProperty(
                name="Project",
                required=True,
                key=True,
                secret=False,
                queryable=True,
                type=cpjobs.ActionConfigurationPropertyType.STRING,
            ),
            cpjobs.ActionConfigurationProperty(
                name="Token", required=False, key=False, secret=True
            ),
        ],
        input_artifact_details=ARTIFACTS,
        output_artifact_details=cpjobs.ArtifactDetails(
            minimum_count=0, maximum_count=0
        ),
    )


class TestActionTypeOperations:
    async def test_create_returns_the_typed_action_type(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """CreateCustomActionType answers with the type as defined, owner Custom."""
        output = await create_lint(client)

        action_type = output.action_type
        assert (LINT, "Project", 0) == (
            action_type.id,
            (action_type.action_configuration_properties or ())[0].name,
            action_type.output_artifact_details.maximum_count,
        )

    async def test_created_type_is_listed_by_owner(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """ListActionTypes with an owner filter lists only that owner's types."""
        await create_lint(client)
        emulator.register_action_type(PARTNER)

        custom = await client.list_action_types(
            action_owner_filter=cpjobs.ActionOwner.CUSTOM
        )

        assert ([LINT], None) == (
            [t.id for t in custom.action_types],
            custom.next_token,
        )

    async def test_action_types_iterates_every_type(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """action_types() yields the types of every owner without a filter."""
        await create_lint(client)
        emulator.register_action_type(PARTNER)

        listed = [t.id async for t in client.action_types()]

        assert {LINT, PARTNER} == set(listed)

    async def test_deleted_type_is_gone(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """After DeleteCustomActionType the type is not listed and cannot be polled."""
        await create_lint(client)

        await client.delete_custom_action_type(
            category=LINT.category, provider=LINT.provider, version=LINT.version
        )

        listed = [t.id async for t in client.action_types()]
        with pytest.raises(cpjobs.ActionTypeNotFound):
            await client.poll_for_jobs(
                action_type_id=LINT, query_param={"Project": "web"}
            )
        assert [] == listed

    async def test_invalid_definition_is_never_sent(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A definition that breaks a rule raises InvalidField; nothing is sent."""
        with pytest.raises(cpjobs.InvalidField) as caught:
            await client.create_custom_action_type(
                category=LINT.category,
                provider=LINT.provider,
                version=LINT.version,
                input_artifact_details=cpjobs.ArtifactDetails(
                    minimum_count=0, maximum_count=6
                ),
                output_artifact_details=ARTIFACTS,
            )

        assert (
            "CreateCustomActionTypeInput.input_artifact_details.maximum_count",
            0,
        ) == (caught.value.field, emulator.calls("CreateCustomActionType"))

    async def test_action_types_follows_next_token(self) -> None:
        """action_types() asks for each page with the token of the one before.

        The emulator answers in one page, so botocore's Stubber stands in for
        the service here: it also checks the parameters of each request.
        """
        wire_type = {
            "id": cpjobs.converter.unstructure(LINT),
            "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
            "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
        }
        second = {**wire_type, "id": {**wire_type["id"], "version": "2"}}
        async with SESSION.create_client(
            "codepipeline",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as raw:
            with AioStubber(raw) as stubber:
                stubber.add_response(
                    "list_action_types",
                    {"actionTypes": [wire_type], "nextToken": "page-2"},
                    {"actionOwnerFilter": "Custom"},
                )
                stubber.add_response(
                    "list_action_types",
                    {"actionTypes": [second]},
                    {"actionOwnerFilter": "Custom", "nextToken": "page-2"},
                )

                versions = [
                    t.id.version
                    async for t in cpjobs.JobsClient(raw).action_types(
                        action_owner_filter=cpjobs.ActionOwner.CUSTOM
                    )
                ]

                stubber.assert_no_pending_responses()
        assert ["1", "2"] == versions


class TestErrors:
    def test_table_covers_the_service_model(self) -> None:
        """The table lists exactly the modeled errors of the thirteen operations."""
        import botocore.session

        service = botocore.session.get_session().get_service_model("codepipeline")

        assert MODELED_ERRORS == {
            op: [e.name for e in service.operation_model(op).error_shapes]
            for op in MODELED_ERRORS
        }

    @pytest.mark.parametrize(("operation", "code"), ERROR_TABLE)
    async def test_modeled_error_maps_to_its_class(
        self,
        client: cpjobs.JobsClient,
        emulator: CodePipelineEmulator,
        operation: str,
        code: str,
    ) -> None:
        """Each modeled error code of each operation raises its own class."""
        emulator.register_action_type(BUILD)
        emulator.register_action_type(PARTNER)
        emulator.inject_fault(operation, code=code, message="injected")

        with pytest.raises(cpjobs.ServiceError) as caught:
            await CALLS[operation](client)

        error = caught.value
        retryable = code in RETRYABLE_CODES
        assert (ERROR_CLASSES[code], code, "injected", operation, 400, retryable) == (
            type(error),
            error.code,
            error.message,
            error.operation,
            error.http_status,
            error.retryable,
        )
        assert error.request_id
        assert isinstance(error.__cause__, ClientError)

    async def test_throttling_is_throttled_and_retryable(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """ThrottlingException raises Throttled, which may be retried."""
        emulator.register_action_type(BUILD)
        emulator.inject_fault("PollForJobs", code="ThrottlingException")

        with pytest.raises(cpjobs.Throttled) as caught:
            await client.poll_for_jobs(action_type_id=BUILD)

        assert caught.value.retryable

    async def test_server_error_is_a_retryable_service_error(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """An unmodeled 5xx code raises ServiceError itself, retryable."""
        emulator.register_action_type(BUILD)
        emulator.inject_fault("PollForJobs", code="InternalFailure", status=500)

        with pytest.raises(cpjobs.ServiceError) as caught:
            await client.poll_for_jobs(action_type_id=BUILD)

        assert (cpjobs.ServiceError, "InternalFailure", 500, True) == (
            type(caught.value),
            caught.value.code,
            caught.value.http_status,
            caught.value.retryable,
        )

    async def test_unknown_client_error_is_not_retryable(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """An unknown 4xx code raises ServiceError, not retryable."""
        emulator.register_action_type(BUILD)
        emulator.inject_fault("PollForJobs", code="BrandNewException", status=400)

        with pytest.raises(cpjobs.ServiceError) as caught:
            await client.poll_for_jobs(action_type_id=BUILD)

        assert ("BrandNewException", False) == (
            caught.value.code,
            caught.value.retryable,
        )

    async def test_real_wrong_nonce_is_invalid_nonce(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """The emulator's own InvalidNonceException arrives as InvalidNonce."""
        emulator.enqueue_job(BUILD)
        job = await poll_one(client)
        assert job.id is not None

        with pytest.raises(cpjobs.InvalidNonce):
            await client.acknowledge_job(job_id=job.id, nonce="not-the-nonce")

    async def test_result_for_finished_job_is_invalid_job_state(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Reporting twice raises InvalidJobState."""
        job = await claim_one(client, emulator)
        assert job.id is not None
        await client.put_job_success_result(job_id=job.id)

        with pytest.raises(cpjobs.InvalidJobState):
            await client.put_job_failure_result(job_id=job.id, failure_details=FAILED)

    async def test_connection_refused_is_transport_error(self) -> None:
        """No server at the endpoint raises TransportError, botocore's error as cause."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        async with cpjobs.JobsClient.create(
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=ONE_ATTEMPT,
        ) as client:
            with pytest.raises(cpjobs.TransportError) as caught:
                await client.poll_for_jobs(action_type_id=BUILD)

        assert (True, "PollForJobs") == (caught.value.retryable, caught.value.operation)
        assert isinstance(caught.value.__cause__, EndpointConnectionError)

    @pytest.mark.parametrize(
        ("profile", "retryable", "operation"),
        [
            ("", False, "PollForJobs"),
            ("credential_process = sh -c 'exit 3'\n", True, "CreateClient"),
        ],
        ids=["none configured", "provider failed"],
    )
    async def test_missing_credentials_are_credentials_error(
        self,
        emulator: CodePipelineEmulator,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        profile: str,
        retryable: bool,
        operation: str,
    ) -> None:
        """No credentials, or a provider that fails, raise CredentialsError."""
        config = tmp_path / "config"
        config.write_text(f"[default]\n{profile}")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
        monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
        monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)

        client = cpjobs.JobsClient.create(
            session=get_session(),
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
        )

        with pytest.raises(cpjobs.CredentialsError) as caught:
            async with client:
                await client.poll_for_jobs(action_type_id=BUILD)

        assert (retryable, operation) == (
            caught.value.retryable,
            caught.value.operation,
        )

    async def test_invalid_request_is_refused_before_sending(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A request that breaks a limit raises InvalidField and sends nothing."""
        job_id = emulator.enqueue_job(BUILD)

        with pytest.raises(cpjobs.InvalidField):
            await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=0)

        assert 0 == emulator.job(job_id).dispatch_count

    async def test_invalid_poll_is_refused_every_time(
        self, client: cpjobs.JobsClient
    ) -> None:
        """A poll request that failed its checks raises again when sent again."""
        for _ in range(2):
            with pytest.raises(cpjobs.InvalidField, match="max_batch_size"):
                await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=0)

    async def test_poll_equal_to_a_sent_one_is_still_checked(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """``True`` equals 1, but a poll with it is refused after one with 1 went."""
        emulator.enqueue_job(BUILD)
        await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=1)

        with pytest.raises(cpjobs.InvalidField, match="max_batch_size"):
            await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=True)

    async def test_polls_of_other_batch_sizes_ask_for_their_own(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Polls that differ only by batch size each ask for their own size."""
        for _ in range(3):
            emulator.enqueue_job(BUILD)

        first = await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=1)
        second = await client.poll_for_jobs(action_type_id=BUILD, max_batch_size=2)

        assert (1, 2) == (len(first.jobs or ()), len(second.jobs or ()))


class TestLifecycle:
    async def test_wrapped_client_is_not_closed(
        self, emulator: CodePipelineEmulator
    ) -> None:
        """A client the caller owns stays open after the JobsClient is done."""
        emulator.register_action_type(BUILD)
        async with get_session().create_client(
            "codepipeline",
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as raw:
            async with cpjobs.JobsClient(raw) as client:
                await client.poll_for_jobs(action_type_id=BUILD)

            output = await raw.poll_for_jobs(
                actionTypeId=cpjobs.converter.unstructure(BUILD)
            )

        assert [] == output["jobs"]

    async def test_created_client_is_closed_on_exit(
        self, emulator: CodePipelineEmulator
    ) -> None:
        """A client cpjobs created is closed and unusable after the block."""
        client = cpjobs.JobsClient.create(
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        async with client:
            raw = client.raw

        # aiobotocore's HTTP session drops its aiohttp sessions when closed.
        assert raw._endpoint.http_session._sessions is None
        with pytest.raises(cpjobs.ClientNotOpen, match="async with"):
            client.raw  # noqa: B018

    async def test_unexpected_response_is_typed(self) -> None:
        """An answer that does not fit the model raises UnexpectedResponse.

        A stand-in client: no server (and no botocore parser) produces a job
        whose id is a number.
        """

        class Garbled:
            async def poll_for_jobs(self, **_: Any) -> dict[str, Any]:
                return {"jobs": [{"id": 3}]}

        client = cpjobs.JobsClient(Garbled())  # type: ignore[arg-type]

        with pytest.raises(cpjobs.UnexpectedResponse, match=r"Job\.id") as caught:
            await client.poll_for_jobs(action_type_id=BUILD)

        assert isinstance(caught.value.__cause__, TypeError)


class TestJobStream:
    async def test_yields_jobs_as_they_come(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Iteration hands out every queued job, in order, without waiting."""
        job_ids = [emulator.enqueue_job(BUILD) for _ in range(3)]
        sleeps: list[float] = []

        async def no_sleep(seconds: float) -> None:
            sleeps.append(seconds)

        seen = []
        async for job in client.jobs(BUILD, sleep=no_sleep):
            seen.append(job.id)
            if len(seen) == 3:
                break

        assert (job_ids, []) == (seen, sleeps)

    async def test_backs_off_with_jitter_while_idle(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Empty polls wait longer each time, jittered, up to the maximum."""
        emulator.register_action_type(BUILD)
        backoff = cpjobs.Backoff(initial=1.0, maximum=8.0)
        sleeps: list[float] = []
        job_id: list[str] = []

        async def record_sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if len(sleeps) == 6:
                job_id.append(emulator.enqueue_job(BUILD))

        stream = client.jobs(
            BUILD, backoff=backoff, sleep=record_sleep, rng=random.Random(7)
        )
        job = await anext(stream)
        await stream.aclose()

        ceilings = [backoff.ceiling(n) for n in range(6)]
        assert (job_id[0], [1, 2, 4, 8, 8, 8]) == (job.id, ceilings)
        assert all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))
        assert (7, 6) == (stream.polls, stream.empty_polls)

    async def test_backs_off_on_throttling(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A throttled poll is retried after a backoff, not raised."""
        job_id = emulator.enqueue_job(BUILD)
        emulator.inject_fault("PollForJobs", code="ThrottlingException", count=2)
        sleeps: list[float] = []

        async def record_sleep(seconds: float) -> None:
            sleeps.append(seconds)

        stream = client.jobs(BUILD, sleep=record_sleep)
        job = await anext(stream)
        await stream.aclose()

        assert (job_id, 2) == (job.id, len(sleeps))

    async def test_non_retryable_error_is_raised(
        self, client: cpjobs.JobsClient
    ) -> None:
        """Polling an unregistered action type raises ActionTypeNotFound."""
        unknown = attrs.evolve(BUILD, provider="NobodyRegisteredMe")

        with pytest.raises(cpjobs.ActionTypeNotFound):
            await anext(client.jobs(unknown))

    async def test_closed_stream_stops(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """After aclose, iteration ends."""
        emulator.enqueue_job(BUILD)
        stream = client.jobs(BUILD)
        await stream.aclose()

        assert [] == [job async for job in stream]

    async def test_closing_during_a_poll_hands_out_nothing(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Jobs a poll brings after aclose are dropped, not handed out."""
        emulator.enqueue_job(BUILD)
        emulator.inject_latency("PollForJobs", seconds=0.2)
        stream = client.jobs(BUILD)

        pending = asyncio.create_task(anext(stream, None))
        await asyncio.sleep(0.05)
        await stream.aclose()

        assert None is await pending

    async def test_backs_off_on_transport_errors(self) -> None:
        """Connection failures are retried with growing, bounded delays."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        sleeps: list[float] = []

        async def record_sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if len(sleeps) == 3:
                await stream.aclose()

        async with cpjobs.JobsClient.create(
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=ONE_ATTEMPT,
            session=SESSION,
        ) as client:
            backoff = cpjobs.Backoff(initial=1.0, maximum=2.0)
            stream = client.jobs(BUILD, backoff=backoff, sleep=record_sleep)
            jobs = [job async for job in stream]

        assert ([], 3) == (jobs, stream.polls)
        assert all(0 <= s <= 2.0 for s in sleeps)

    async def test_cancellation_leaves_nothing_behind(
        self, client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Cancelling a loop waiting in backoff ends it, with no task left."""
        emulator.register_action_type(BUILD)
        waiting = asyncio.Event()

        async def park(seconds: float) -> None:
            waiting.set()
            await asyncio.sleep(3600)

        async def consume() -> None:
            async for _ in client.jobs(BUILD, sleep=park):
                pass

        task = asyncio.create_task(consume())
        await waiting.wait()
        task.cancel()

        with pytest.raises(asyncio.CancelledError):
            await task
        assert {asyncio.current_task()} == asyncio.all_tasks()

    async def test_invalid_stream_arguments_fail_at_once(
        self, client: cpjobs.JobsClient
    ) -> None:
        """Bad arguments raise when the stream is made, not at the first poll."""
        with pytest.raises(cpjobs.InvalidField, match="max_batch_size"):
            client.jobs(BUILD, max_batch_size=0)


class TestLogging:
    async def test_calls_are_logged_with_job_ids_and_no_secrets(
        self,
        client: cpjobs.JobsClient,
        emulator: CodePipelineEmulator,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Debug records name the operation and job id; never a secret."""
        caplog.set_level(logging.DEBUG, logger="cpjobs")
        job = await claim_one(client, emulator, configuration={"Token": "hunter2"})
        assert job.id is not None and job.data and job.data.artifact_credentials
        secrets = [
            "hunter2",
            job.data.artifact_credentials.secret_access_key,
            job.data.artifact_credentials.session_token,
        ]

        records = [r for r in caplog.records if r.name == "cpjobs"]
        logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in records)

        assert ["PollForJobs", "AcknowledgeJob"] == [r.operation for r in records]
        assert job.id == records[-1].job_id
        assert [] == [s for s in secrets if s in logged]
