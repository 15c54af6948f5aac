"""enqueue_job and friends refuse bad input where it is given, naming the argument."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_helpers import BUILD, PARTNER

import cpjobs
from cpjobs.testing import CodePipelineEmulator


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param(
            {"configuration": {"Retries": 3}}, "enqueue_job.configuration", id="int"
        ),
        pytest.param(
            {"configuration": [("Key", "value")]},
            "enqueue_job.configuration",
            id="not a mapping",
        ),
        pytest.param(
            {"configuration": {"": "v"}},
            "enqueue_job.configuration key",
            id="empty key",
        ),
        pytest.param(
            {"output_artifacts": "Out"}, "enqueue_job.output_artifacts", id="str"
        ),
        pytest.param(
            {"output_artifacts": ["my artifact"]},
            "enqueue_job.output_artifacts[0]",
            id="name pattern",
        ),
        pytest.param(
            {"output_artifacts": ["A", "A"]},
            "enqueue_job.output_artifacts",
            id="twice",
        ),
        pytest.param(
            {"output_artifacts": [f"O{n}" for n in range(6)]},
            "enqueue_job.output_artifacts",
            id="six",
        ),
        pytest.param(
            {"input_artifacts": {"In": "text"}},
            "enqueue_job.input_artifacts['In']",
            id="str body",
        ),
        pytest.param(
            {"input_artifacts": {"In": b"x"}, "output_artifacts": ["In"]},
            "enqueue_job.output_artifacts",
            id="input and output",
        ),
        pytest.param(
            {"pipeline_name": "my pipeline"},
            "enqueue_job.pipeline_name",
            id="pipeline name",
        ),
        pytest.param(
            {"pipeline_execution_id": ""},
            "enqueue_job.pipeline_execution_id",
            id="execution id",
        ),
        pytest.param(
            {"continuation_token": ""},
            "enqueue_job.continuation_token",
            id="empty token",
        ),
        pytest.param(
            {"encryption_key": "yes"}, "enqueue_job.encryption_key", id="key flag"
        ),
    ],
)
def test_bad_argument_is_refused_by_name(
    emulator: CodePipelineEmulator, arguments: dict[str, Any], field: str
) -> None:
    """Each bad argument is InvalidField naming it; no job is queued."""
    with pytest.raises(cpjobs.InvalidField) as raised:
        emulator.enqueue_job(BUILD, **arguments)

    assert field == raised.value.field
    assert () == emulator.jobs()


def test_refused_configuration_value_is_not_quoted(
    emulator: CodePipelineEmulator,
) -> None:
    """A configuration value may be secret: the error does not show it."""
    with pytest.raises(cpjobs.InvalidField) as raised:
        emulator.enqueue_job(BUILD, configuration={"Token": "hunter2" * 200})

    assert "hunter2" not in str(raised.value)
    assert "enqueue_job.configuration['Token']" == raised.value.field


def test_bad_action_type_id_is_refused(emulator: CodePipelineEmulator) -> None:
    """An action type id outside the service's limits is refused at once."""
    too_long = cpjobs.ActionTypeId(
        category=cpjobs.ActionCategory.BUILD,
        owner=cpjobs.ActionOwner.CUSTOM,
        provider="p" * 36,
        version="1",
    )

    with pytest.raises(cpjobs.InvalidField, match="provider"):
        emulator.enqueue_job(too_long)


def test_third_party_client_id_must_be_a_uuid(emulator: CodePipelineEmulator) -> None:
    """client_id is a UUID, as the service model has it."""
    with pytest.raises(cpjobs.InvalidField) as raised:
        emulator.enqueue_third_party_job(PARTNER, client_id="partner-1")

    assert "enqueue_third_party_job.client_id" == raised.value.field


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param(
            {"action_type_id": "Build/Custom/X/1"},
            "register_action_type.action_type_id",
            id="not an id",
        ),
        pytest.param(
            {"action_type_id": BUILD, "queryable_property": ""},
            "register_action_type.queryable_property",
            id="empty property",
        ),
    ],
)
def test_register_refuses_bad_arguments(
    emulator: CodePipelineEmulator, arguments: dict[str, Any], field: str
) -> None:
    """register_action_type names the argument it refuses."""
    with pytest.raises(cpjobs.InvalidField) as raised:
        emulator.register_action_type(**arguments)

    assert field == raised.value.field


def test_good_input_round_trips_to_the_record(emulator: CodePipelineEmulator) -> None:
    """Accepted arguments are what the job's record holds."""
    job_id = emulator.enqueue_job(
        BUILD,
        configuration={"Project": "shop"},
        input_artifacts={"Source": bytearray(b"src")},
        output_artifacts=("Build",),
        pipeline_name="shop.pipeline",
        stage_name="Compile",
        action_name="Make",
    )

    record = emulator.job(job_id)

    assert (
        {"Project": "shop"},
        ["Source"],
        ["Build"],
        "shop.pipeline",
        b"src",
    ) == (
        dict(record.configuration),
        [artifact.name for artifact in record.input_artifacts],
        [artifact.name for artifact in record.output_artifacts],
        record.pipeline_context.pipeline_name,
        emulator.read_artifact(job_id, "Source"),
    )
