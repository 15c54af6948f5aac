"""Action types: CreateCustomActionType, ListActionTypes, DeleteCustomActionType."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_helpers import BUILD, BUILD_WIRE, PARTNER, error_of

from cpjobs.testing import CodePipelineEmulator

ARTIFACTS = {"minimumCount": 0, "maximumCount": 1}


def create(codepipeline: Any) -> dict[str, Any]:
    return codepipeline.create_custom_action_type(
        category="Build",
        provider="EmulatorTest",
        version="1",
        inputArtifactDetails=ARTIFACTS,
        outputArtifactDetails=ARTIFACTS,
    )


def test_create_custom_action_type_returns_it(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """CreateCustomActionType answers with the action type, owner Custom."""
    answer = create(codepipeline)

    assert BUILD_WIRE == answer["actionType"]["id"]
    assert ARTIFACTS == answer["actionType"]["inputArtifactDetails"]


def test_created_action_type_can_be_polled(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """An action type created over HTTP can be polled (no jobs yet)."""
    create(codepipeline)

    assert [] == codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)["jobs"]


def test_list_action_types_filters_by_owner(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """ListActionTypes with actionOwnerFilter lists only that owner's types."""
    create(codepipeline)
    emulator.register_action_type(PARTNER)

    custom = codepipeline.list_action_types(actionOwnerFilter="Custom")
    third_party = codepipeline.list_action_types(actionOwnerFilter="ThirdParty")

    assert [BUILD_WIRE] == [t["id"] for t in custom["actionTypes"]]
    assert ["Partner"] == [t["id"]["provider"] for t in third_party["actionTypes"]]


def test_list_action_types_without_filter_lists_all(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """ListActionTypes without a filter lists every registered type."""
    emulator.register_action_type(BUILD)
    emulator.register_action_type(PARTNER)

    listed = codepipeline.list_action_types()["actionTypes"]

    assert {"EmulatorTest", "Partner"} == {t["id"]["provider"] for t in listed}


def test_deleted_action_type_is_not_found(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """After DeleteCustomActionType, polling it is ActionTypeNotFoundException."""
    create(codepipeline)
    codepipeline.delete_custom_action_type(
        category="Build", provider="EmulatorTest", version="1"
    )

    with pytest.raises(ClientError) as raised:
        codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)

    assert ("ActionTypeNotFoundException", 400) == error_of(raised.value)


def test_create_rejects_a_bad_provider(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """CreateCustomActionType with a provider outside the pattern is rejected."""
    with pytest.raises(ClientError) as raised:
        codepipeline.create_custom_action_type(
            category="Build",
            provider="not valid!",
            version="1",
            inputArtifactDetails=ARTIFACTS,
            outputArtifactDetails=ARTIFACTS,
        )

    assert ("ValidationException", 400) == error_of(raised.value)
