"""Queryable properties: what PollForJobs' queryParam must name, and their values."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_helpers import BUILD, BUILD_WIRE, error_of

import cpjobs
from cpjobs.testing import CodePipelineEmulator

ARTIFACTS = {"minimumCount": 0, "maximumCount": 1}


def a_property(name: str, **flags: bool) -> dict[str, Any]:
    return {
        "name": name,
        "required": flags.get("required", True),
        "key": True,
        "secret": flags.get("secret", False),
        "queryable": flags.get("queryable", False),
    }


def create(codepipeline: Any, *properties: dict[str, Any]) -> Any:
    return codepipeline.create_custom_action_type(
        category="Build",
        provider="EmulatorTest",
        version="1",
        configurationProperties=list(properties),
        inputArtifactDetails=ARTIFACTS,
        outputArtifactDetails=ARTIFACTS,
    )


def poll_error(codepipeline: Any, **params: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:
        codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE, **params)
    return (*error_of(raised.value), raised.value.response["Error"]["Message"])


def test_query_param_filters_on_the_queryable_property(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """QueryParam hands out only jobs whose queryable property has that value."""
    emulator.register_action_type(BUILD, queryable_property="Team")
    emulator.enqueue_job(BUILD, configuration={"Team": "blue"})
    red = emulator.enqueue_job(BUILD, configuration={"Team": "red"})

    jobs = codepipeline.poll_for_jobs(
        actionTypeId=BUILD_WIRE, maxBatchSize=5, queryParam={"Team": "red"}
    )["jobs"]

    assert [red] == [job["id"] for job in jobs]


def test_query_param_without_a_queryable_property_is_refused(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A type with no queryable property takes no queryParam: ValidationException."""
    emulator.enqueue_job(BUILD, configuration={"Team": "red"})

    code, status, message = poll_error(codepipeline, queryParam={"Team": "red"})

    assert ("ValidationException", 400) == (code, status)
    assert "queryParam must be null or empty" in message
    assert "Queued" == emulator.jobs()[0].status


def test_poll_without_query_param_is_refused_for_a_queryable_type(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A type with a queryable property must be polled with it."""
    emulator.register_action_type(BUILD, queryable_property="Team")
    emulator.enqueue_job(BUILD, configuration={"Team": "red"})

    code, status, message = poll_error(codepipeline)

    assert ("ValidationException", 400) == (code, status)
    assert "queryable configuration property Team" in message


def test_query_param_must_name_the_queryable_property(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A queryParam on another property is ValidationException."""
    emulator.register_action_type(BUILD, queryable_property="Team")

    assert ("ValidationException", 400) == poll_error(
        codepipeline, queryParam={"Branch": "main"}
    )[:2]


def test_created_queryable_property_is_enforced(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A type created over HTTP with a queryable property filters on it."""
    create(codepipeline, a_property("Team", queryable=True), a_property("Other"))
    emulator.enqueue_job(BUILD, configuration={"Team": "red", "Other": "x"})

    jobs = codepipeline.poll_for_jobs(
        actionTypeId=BUILD_WIRE, queryParam={"Team": "red"}
    )["jobs"]

    assert 1 == len(jobs)
    assert "ValidationException" == poll_error(codepipeline)[0]


async def test_jobs_client_sees_the_validation_exception(
    emulator: CodePipelineEmulator, jobs_client: cpjobs.JobsClient
) -> None:
    """Cpjobs raises its ValidationException for a poll missing the property."""
    emulator.register_action_type(BUILD, queryable_property="Team")

    with pytest.raises(cpjobs.ValidationException):
        await jobs_client.poll_for_jobs(action_type_id=BUILD)


@pytest.mark.parametrize(
    ("properties", "why"),
    [
        pytest.param(
            [a_property("A", queryable=True), a_property("B", queryable=True)],
            "At most one",
            id="two queryable",
        ),
        pytest.param(
            [a_property("A", queryable=True, required=False)],
            "must be required and not secret",
            id="queryable optional",
        ),
        pytest.param(
            [a_property("A", queryable=True, secret=True)],
            "must be required and not secret",
            id="queryable secret",
        ),
    ],
)
def test_create_refuses_a_bad_queryable_property(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    properties: list[dict[str, Any]],
    why: str,
) -> None:
    """At most one queryable property, and it is required and not secret."""
    with pytest.raises(ClientError) as raised:
        create(codepipeline, *properties)

    assert ("ValidationException", 400) == error_of(raised.value)
    assert why in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("x" * 21, "not 1 to 20 characters", id="too long"),
        pytest.param("two words", "not 1 to 20 characters", id="pattern"),
    ],
)
def test_enqueue_refuses_a_queryable_value_over_the_limits(
    emulator: CodePipelineEmulator, value: str, problem: str
) -> None:
    """A queryable value is at most 20 characters of [A-Za-z0-9_-]."""
    emulator.register_action_type(BUILD, queryable_property="Team")

    with pytest.raises(cpjobs.InvalidField) as raised:
        emulator.enqueue_job(BUILD, configuration={"Team": value})

    assert "enqueue_job.configuration" == raised.value.field
    assert problem in raised.value.problem
    assert () == emulator.jobs()


def test_enqueue_refuses_a_missing_required_property(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A job lacking a required property of its created type is refused."""
    create(codepipeline, a_property("Project"))

    with pytest.raises(cpjobs.InvalidField, match="required property 'Project'"):
        emulator.enqueue_job(BUILD, configuration={})


def test_register_with_another_queryable_property_is_refused(
    emulator: CodePipelineEmulator,
) -> None:
    """Registering a type again with another definition is a ValueError."""
    emulator.register_action_type(BUILD, queryable_property="Team")

    with pytest.raises(ValueError, match="registered with another definition"):
        emulator.register_action_type(BUILD)
