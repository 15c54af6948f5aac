"""The control API under ``/_cpjobs/``, driven over HTTP by plain clients (urllib, curl)."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import shutil
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError
from emulator_helpers import (
    BUILD,
    BUILD_WIRE,
    CLIENT_ID,
    PARTNER_WIRE,
    error_of,
    poll_one,
)

from cpjobs import JobStatus
from cpjobs.testing import CodePipelineEmulator


def control(
    emulator: CodePipelineEmulator,
    method: str,
    route: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """Call the control API with urllib; return the HTTP status and the JSON answer."""
    data = (
        raw if raw is not None else None if body is None else json.dumps(body).encode()
    )
    request = urllib.request.Request(
        f"{emulator.endpoint_url}/_cpjobs{route}", data=data, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def enqueue(emulator: CodePipelineEmulator, **members: Any) -> str:
    """Queue a BUILD job through the control API; return its id."""
    status, answer = control(
        emulator, "POST", "/jobs", {"actionTypeId": BUILD_WIRE, **members}
    )
    assert 201 == status, answer
    return str(answer["jobId"])


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


# --- queueing jobs ----------------------------------------------------------------


def test_enqueued_job_reaches_a_poll_with_its_configuration_and_artifacts(
    emulator: CodePipelineEmulator, codepipeline: Any, s3_with: Any
) -> None:
    """A job queued over HTTP is polled with its configuration and artifact content."""
    job_id = enqueue(
        emulator,
        configuration={"Project": "shop"},
        inputArtifacts=[{"name": "Source", "base64": b64(b"PK\x03\x04zip")}],
        outputArtifacts=["Built"],
    )

    job = poll_one(codepipeline)
    data = job["data"]
    s3 = s3_with(emulator, data["artifactCredentials"])
    where = data["inputArtifacts"][0]["location"]["s3Location"]
    content = s3.get_object(Bucket=where["bucketName"], Key=where["objectKey"])

    assert job_id == job["id"]
    assert {"Project": "shop"} == data["actionConfiguration"]["configuration"]
    assert b"PK\x03\x04zip" == content["Body"].read()
    assert ["Built"] == [artifact["name"] for artifact in data["outputArtifacts"]]


def test_input_artifact_from_a_path_on_the_emulators_machine(
    emulator: CodePipelineEmulator, tmp_path: Path
) -> None:
    """An input artifact given as a path is read from the emulator's file system."""
    source = tmp_path / "src.zip"
    source.write_bytes(b"from a file")

    job_id = enqueue(emulator, inputArtifacts=[{"name": "Source", "path": str(source)}])

    assert b"from a file" == emulator.read_artifact(job_id, "Source")


def test_encryption_key_puts_a_kms_key_in_the_job(
    emulator: CodePipelineEmulator,
) -> None:
    """A true encryptionKey gives the job a KMS key, as enqueue_job does."""
    job_id = enqueue(emulator, encryptionKey=True, outputArtifacts=["Out"])

    key = emulator.job(job_id).encryption_key

    assert key is not None
    assert "KMS" == key.type.value


def test_third_party_job_answers_its_client_and_token(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A ThirdParty job answers its client id and token; the token opens its details."""
    status, answer = control(
        emulator, "POST", "/jobs", {"actionTypeId": PARTNER_WIRE, "clientId": CLIENT_ID}
    )

    codepipeline.poll_for_third_party_jobs(actionTypeId=PARTNER_WIRE)
    details = codepipeline.get_third_party_job_details(
        jobId=answer["jobId"], clientToken=answer["clientToken"]
    )

    assert 201 == status
    assert CLIENT_ID == answer["clientId"]
    assert answer["jobId"] == details["jobDetails"]["id"]


def test_third_party_jobs_of_one_client_share_its_token(
    emulator: CodePipelineEmulator,
) -> None:
    """A second job for the same clientId carries the same client token."""
    body = {"actionTypeId": PARTNER_WIRE, "clientId": CLIENT_ID}

    _, first = control(emulator, "POST", "/jobs", body)
    _, second = control(emulator, "POST", "/jobs", body)

    assert first["clientToken"] == second["clientToken"]
    assert first["jobId"] != second["jobId"]


def test_continuation_token_and_pipeline_context_reach_the_job(
    emulator: CodePipelineEmulator,
) -> None:
    """The continuationToken and the pipeline members land in the job's data."""
    job_id = enqueue(
        emulator,
        continuationToken="step-2",
        pipelineName="shop",
        stageName="Build",
        actionName="Compile",
    )

    record = emulator.job(job_id)
    context = record.pipeline_context

    assert "step-2" == record.continuation_token
    assert ("shop", "Build") == (
        context.pipeline_name,
        context.stage and context.stage.name,
    )
    assert context.action is not None and "Compile" == context.action.name


# --- bad requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "actionTypeId is required"),
        (
            {"actionTypeId": BUILD_WIRE, "configuration": {"Retries": 3}},
            "configuration.Retries must be a string",
        ),
        (
            {"actionTypeId": BUILD_WIRE, "outputArtifacts": "Out"},
            "outputArtifacts must be a list",
        ),
        ({"actionTypeId": BUILD_WIRE, "colour": "red"}, "unknown member 'colour'"),
        (
            {
                "actionTypeId": BUILD_WIRE,
                "inputArtifacts": [{"name": "S", "base64": "!!"}],
            },
            "inputArtifacts[0].base64 is not valid base64",
        ),
        (
            {"actionTypeId": BUILD_WIRE, "inputArtifacts": [{"name": "S"}]},
            "inputArtifacts[0] needs exactly one of base64 and path",
        ),
        (
            {
                "actionTypeId": BUILD_WIRE,
                "inputArtifacts": [{"name": "S", "path": "/no/such/file"}],
            },
            "inputArtifacts[0].path: cannot read /no/such/file",
        ),
        ({"actionTypeId": BUILD_WIRE, "clientId": CLIENT_ID}, "clientId is only for"),
        (
            {"actionTypeId": PARTNER_WIRE, "clientId": "acme"},
            "enqueue_third_party_job.client_id",
        ),
        (
            {"actionTypeId": {**BUILD_WIRE, "owner": "AWS"}},
            "enqueue_job is for Custom actions",
        ),
        (
            {"actionTypeId": {**BUILD_WIRE, "category": "Quantum"}},
            "actionTypeId.category 'Quantum' is not a category",
        ),
        (
            {"actionTypeId": {**BUILD_WIRE, "owner": "Robot"}},
            "actionTypeId.owner 'Robot' is not an owner",
        ),
        ({"actionTypeId": {**BUILD_WIRE, "version": ""}}, "version must not be empty"),
        (
            {"actionTypeId": BUILD_WIRE, "inputArtifacts": ["S"]},
            "inputArtifacts[0] must be an object",
        ),
        (
            {
                "actionTypeId": BUILD_WIRE,
                "inputArtifacts": [
                    {"name": "S", "base64": ""},
                    {"name": "S", "base64": ""},
                ],
            },
            "inputArtifacts[1].name 'S' is given twice",
        ),
        (
            {"actionTypeId": BUILD_WIRE, "outputArtifacts": [1]},
            "outputArtifacts must be a list of names",
        ),
        (
            {"actionTypeId": BUILD_WIRE, "outputArtifacts": ["O", "O"]},
            "outputArtifacts names an artifact twice",
        ),
        (
            {"actionTypeId": BUILD_WIRE, "encryptionKey": "yes"},
            "encryptionKey must be true or false",
        ),
        ({"actionTypeId": BUILD_WIRE, "stageName": 7}, "stageName must be a string"),
        (
            {"actionTypeId": {**BUILD_WIRE, "provider": "x" * 36}},
            "actionTypeId: ActionTypeId.provider: is 36 characters long",
        ),
    ],
)
def test_bad_job_is_refused_with_the_member_named(
    emulator: CodePipelineEmulator, body: dict[str, Any], message: str
) -> None:
    """A bad request to queue a job is a 400 that names the member; nothing is queued."""
    status, answer = control(emulator, "POST", "/jobs", body)

    assert 400 == status
    assert "BadRequest" == answer["error"]
    assert message in answer["message"]
    assert () == emulator.jobs()


def test_body_that_is_not_json_is_refused(emulator: CodePipelineEmulator) -> None:
    """A body that is not JSON, or not a JSON object, is a 400."""
    status, answer = control(emulator, "POST", "/jobs", raw=b"{not json")
    listed, not_object = control(emulator, "POST", "/jobs", raw=b"[]")

    assert (400, "the request body is not valid JSON") == (status, answer["message"])
    assert (400, "the request body must be a JSON object") == (
        listed,
        not_object["message"],
    )


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("/timeouts", {"job": 0}, "job must be more than 0 seconds"),
        ("/timeouts", {"dispatch": "soon"}, "dispatch must be a number of seconds"),
        ("/faults", {"code": "X"}, "operation is required"),
        (
            "/faults",
            {"operation": "PollForJobs", "count": True},
            "count must be an integer",
        ),
        (
            "/faults",
            {"operation": "PollForJobs", "count": 0},
            "count must be at least 1",
        ),
        ("/latencies", {"operation": "PollForJobs"}, "seconds is required"),
        ("/reset", {"now": True}, "the request has unknown member 'now'"),
    ],
)
def test_bad_settings_are_refused(
    emulator: CodePipelineEmulator, route: str, body: dict[str, Any], message: str
) -> None:
    """Bad timeouts, faults and latencies are a 400 that says what is wrong."""
    status, answer = control(emulator, "POST", route, body)

    assert (400, message) == (status, answer["message"])


def test_oversized_body_is_refused_before_it_is_read(
    emulator: CodePipelineEmulator,
) -> None:
    """A Content-Length over the limit is a 413, without reading the body."""
    url = urlsplit(emulator.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest("POST", "/_cpjobs/jobs")
        connection.putheader("Content-Length", str(1 << 30))
        connection.endheaders()
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()

    assert 413 == response.status
    assert "PayloadTooLarge" == answer["error"]


def test_unknown_route_and_wrong_method(emulator: CodePipelineEmulator) -> None:
    """An unknown path is a 404, a known path with the wrong method a 405."""
    missing, _ = control(emulator, "GET", "/nothing")
    wrong, answer = control(emulator, "DELETE", "/jobs")

    assert (404, 405) == (missing, wrong)
    assert "MethodNotAllowed" == answer["error"]


# --- reading jobs ----------------------------------------------------------------------


def test_job_record_follows_the_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """GET /jobs/{id} answers the record: Queued, then Dispatched with its nonce."""
    job_id = enqueue(emulator, configuration={"Project": "shop"})
    _, queued = control(emulator, "GET", f"/jobs/{job_id}")
    polled = poll_one(codepipeline)
    _, dispatched = control(emulator, "GET", f"/jobs/{job_id}")

    assert ("Queued", None) == (queued["status"], queued["nonce"])
    assert ("Dispatched", polled["nonce"]) == (
        dispatched["status"],
        dispatched["nonce"],
    )
    assert BUILD_WIRE == dispatched["actionTypeId"]
    assert {"Project": "shop"} == dispatched["configuration"]


def test_unknown_job_is_not_found(emulator: CodePipelineEmulator) -> None:
    """GET /jobs/{id} for a job that does not exist is a 404 naming it."""
    status, answer = control(emulator, "GET", "/jobs/nope")

    assert (404, "NotFound", "there is no job nope") == (
        status,
        answer["error"],
        answer["message"],
    )


def test_jobs_are_listed_oldest_first_and_filtered(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """GET /jobs lists every record; status, owner and provider filter it."""
    first = enqueue(emulator)
    second = enqueue(emulator)
    _, partner = control(emulator, "POST", "/jobs", {"actionTypeId": PARTNER_WIRE})
    poll_one(codepipeline)  # dispatches the oldest BUILD job

    _, everything = control(emulator, "GET", "/jobs")
    _, queued = control(emulator, "GET", "/jobs?status=Queued&owner=Custom")
    _, partners = control(emulator, "GET", "/jobs?provider=Partner")

    assert [first, second, partner["jobId"]] == [j["id"] for j in everything["jobs"]]
    assert [second] == [j["id"] for j in queued["jobs"]]
    assert [partner["jobId"]] == [j["id"] for j in partners["jobs"]]


def test_unknown_filter_is_refused(emulator: CodePipelineEmulator) -> None:
    """A filter the list does not know, or a status that is not one, is a 400."""
    unknown, answer = control(emulator, "GET", "/jobs?colour=red")
    bad_status, _ = control(emulator, "GET", "/jobs?status=Sleeping")

    assert (400, 400) == (unknown, bad_status)
    assert "the query has unknown member 'colour'" == answer["message"]


# --- clock, timeouts, faults, reset -----------------------------------------------------


def test_advancing_the_clock_requeues_an_unacknowledged_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """POST /clock past the dispatch timeout hands the job out again, with a new nonce."""
    job_id = enqueue(emulator)
    first = poll_one(codepipeline)

    status, _ = control(emulator, "POST", "/clock", {"seconds": 61})
    second = poll_one(codepipeline)

    assert 200 == status
    assert (job_id, job_id) == (first["id"], second["id"])
    assert first["nonce"] != second["nonce"]


def test_clock_only_moves_forward(emulator: CodePipelineEmulator) -> None:
    """A negative step, or one that is not a number, is a 400."""
    backwards, answer = control(emulator, "POST", "/clock", {"seconds": -1})
    not_number, _ = control(emulator, "POST", "/clock", {"seconds": "soon"})

    assert (400, 400) == (backwards, not_number)
    assert "the clock only moves forward" in answer["message"]


def test_timeouts_apply_to_jobs(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """POST /timeouts shortens the job timeout; the acknowledged job then times out."""
    job_id = enqueue(emulator)
    job = poll_one(codepipeline)
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

    control(emulator, "POST", "/timeouts", {"job": 5})
    control(emulator, "POST", "/clock", {"seconds": 5})

    assert JobStatus.TIMED_OUT == emulator.job(job_id).status


def test_injected_fault_reaches_the_next_call(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """POST /faults makes the next call of the operation fail with that code and status."""
    emulator.register_action_type(BUILD)
    status, _ = control(
        emulator,
        "POST",
        "/faults",
        {"operation": "PollForJobs", "code": "InternalFailure", "status": 500},
    )

    with pytest.raises(ClientError) as raised:
        codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)
    _, calls = control(emulator, "GET", "/calls/PollForJobs")

    assert 200 == status
    assert ("InternalFailure", 500) == error_of(raised.value)
    assert {"operation": "PollForJobs", "calls": 1} == calls


def test_fault_for_an_unknown_operation_is_refused(
    emulator: CodePipelineEmulator,
) -> None:
    """A fault or latency for an operation CodePipeline lacks is a 400 naming it."""
    fault, answer = control(emulator, "POST", "/faults", {"operation": "PollForJbos"})
    latency, _ = control(
        emulator, "POST", "/latencies", {"operation": "PollForJbos", "seconds": 1}
    )
    status, _ = control(
        emulator, "POST", "/faults", {"operation": "PollForJobs", "status": 200}
    )

    assert (400, 400, 400) == (fault, latency, status)
    assert "CodePipeline has no operation 'PollForJbos'" == answer["message"]
    assert 400 == control(emulator, "GET", "/calls/PollForJbos")[0]


def test_injected_latency_is_accepted(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """POST /latencies delays the next call, which still answers."""
    emulator.register_action_type(BUILD)
    status, _ = control(
        emulator, "POST", "/latencies", {"operation": "PollForJobs", "seconds": 0.01}
    )

    answer = codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)

    assert 200 == status
    assert [] == answer["jobs"]


def test_reset_forgets_jobs_and_action_types(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """POST /reset empties the emulator, as reset() does."""
    enqueue(emulator)
    registered, _ = control(
        emulator, "POST", "/action-types", {"actionTypeId": PARTNER_WIRE}
    )

    status, _ = control(emulator, "POST", "/reset", {})
    listed = codepipeline.list_action_types()

    assert (200, 200) == (registered, status)
    assert () == emulator.jobs()
    assert [] == listed["actionTypes"]


def test_where_answers_the_endpoint_region_and_bucket(
    emulator: CodePipelineEmulator,
) -> None:
    """GET /_cpjobs says where the emulator is and which bucket holds artifacts."""
    status, answer = control(emulator, "GET", "")

    assert 200 == status
    assert {
        "endpointUrl": emulator.endpoint_url,
        "region": emulator.region,
        "accountId": emulator.account_id,
        "artifactBucket": emulator.artifact_bucket,
    } == answer


# --- secrets and other clients -------------------------------------------------------------


def test_secrets_never_reach_the_log(
    emulator: CodePipelineEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Configuration values and client tokens stay out of the emulator's log."""
    caplog.set_level(logging.DEBUG, logger="cpjobs")

    enqueue(emulator, configuration={"Password": "hunter2-secret"})
    _, partner = control(emulator, "POST", "/jobs", {"actionTypeId": PARTNER_WIRE})
    control(
        emulator,
        "POST",
        "/jobs",
        {"actionTypeId": BUILD_WIRE, "configuration": {"Password": 1}},
    )

    assert "POST /_cpjobs/jobs -> 201" in caplog.text
    assert "hunter2-secret" not in caplog.text
    assert partner["clientToken"] not in caplog.text


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_queues_and_reads_a_job(emulator: CodePipelineEmulator) -> None:
    """curl, a client with no Python in it, queues a job and reads it back."""
    base = f"{emulator.endpoint_url}/_cpjobs"
    body = json.dumps({"actionTypeId": BUILD_WIRE, "configuration": {"K": "v"}})

    queued = subprocess.run(
        [
            "curl",
            "-sS",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
            f"{base}/jobs",
        ],
        capture_output=True,
        check=True,
        text=True,
        timeout=30,
    )
    job_id = json.loads(queued.stdout)["jobId"]
    shown = subprocess.run(
        ["curl", "-sS", "--fail-with-body", f"{base}/jobs/{job_id}"],
        capture_output=True,
        check=True,
        text=True,
        timeout=30,
    )

    assert {"K": "v"} == json.loads(shown.stdout)["configuration"]
    assert {"K": "v"} == dict(emulator.job(job_id).configuration)


def test_record_timestamps_are_iso_8601(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A reported revision's creation time comes back as ISO 8601 text."""
    job_id = enqueue(emulator)
    job = poll_one(codepipeline)
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    codepipeline.put_job_success_result(
        jobId=job_id,
        currentRevision={
            "revision": "abc123",
            "changeIdentifier": "c1",
            "created": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        },
    )

    _, record = control(emulator, "GET", f"/jobs/{job_id}")

    assert (
        "2025-01-02T03:04:05+00:00" == record["success"]["currentRevision"]["created"]
    )
