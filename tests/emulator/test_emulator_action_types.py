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


def create_and_delete(codepipeline: Any) -> None:
    """Create BUILD's type over HTTP, then delete it."""
    create(codepipeline)
    codepipeline.delete_custom_action_type(
        category="Build", provider="EmulatorTest", version="1"
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
    create_and_delete(codepipeline)

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


def create_with(codepipeline: Any, **changes: Any) -> dict[str, Any]:
    """CreateCustomActionType for BUILD with some members changed."""
    request: dict[str, Any] = {
        "category": "Build",
        "provider": "EmulatorTest",
        "version": "1",
        "inputArtifactDetails": ARTIFACTS,
        "outputArtifactDetails": ARTIFACTS,
        **changes,
    }
    return codepipeline.create_custom_action_type(**request)


def test_identical_definition_again_is_accepted(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Creating the same definition twice succeeds and lists it once."""
    first = create(codepipeline)
    second = create(codepipeline)

    assert first["actionType"] == second["actionType"]
    assert 1 == len(codepipeline.list_action_types()["actionTypes"])


def test_different_definition_of_a_version_is_refused(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Another definition of an existing provider/version is ValidationException."""
    create(codepipeline)

    with pytest.raises(ClientError) as raised:
        create_with(
            codepipeline, outputArtifactDetails={"minimumCount": 1, "maximumCount": 1}
        )

    assert ("ValidationException", 400) == error_of(raised.value)
    assert "already exists" in raised.value.response["Error"]["Message"]
    (listed,) = codepipeline.list_action_types()["actionTypes"]
    assert ARTIFACTS == listed["outputArtifactDetails"]


def test_deleted_version_cannot_come_back_changed(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A deleted version cannot be created again with another definition."""
    create_and_delete(codepipeline)

    with pytest.raises(ClientError) as raised:
        create_with(codepipeline, settings={"entityUrlTemplate": "https://example"})

    assert ("ValidationException", 400) == error_of(raised.value)
    assert "was deleted" in raised.value.response["Error"]["Message"]
    assert [] == codepipeline.list_action_types()["actionTypes"]


def test_deleted_version_is_restored_by_its_identical_definition(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """The identical definition restores a deleted version, as the API docs say."""
    create_and_delete(codepipeline)

    create(codepipeline)

    assert [] == codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)["jobs"]


def test_a_new_version_can_be_created_after_a_delete(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A changed definition goes in as a new version."""
    create_and_delete(codepipeline)

    answer = create_with(
        codepipeline,
        version="2",
        outputArtifactDetails={"minimumCount": 1, "maximumCount": 1},
    )

    assert "2" == answer["actionType"]["id"]["version"]


def test_url_template_may_not_name_a_secret_property(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """{Config:Name} in a URL template must be a required, non-secret property."""
    with pytest.raises(ClientError) as raised:
        create_with(
            codepipeline,
            configurationProperties=[
                {"name": "Token", "required": True, "key": False, "secret": True}
            ],
            settings={"executionUrlTemplate": "https://ci/{Config:Token}"},
        )

    assert ("ValidationException", 400) == error_of(raised.value)


def test_created_definition_is_answered_and_listed(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Settings and properties come back as created, under the service's names."""
    prop = {
        "name": "Project",
        "required": True,
        "key": True,
        "secret": False,
        "queryable": True,
        "description": "the project",
        "type": "String",
    }
    settings = {"entityUrlTemplate": "https://ci/{Config:Project}"}

    answer = create_with(
        codepipeline,
        configurationProperties=[prop],
        settings=settings,
        tags=[{"key": "team", "value": "web"}],
    )

    assert ([prop], settings, [{"key": "team", "value": "web"}]) == (
        answer["actionType"]["actionConfigurationProperties"],
        answer["actionType"]["settings"],
        answer["tags"],
    )
    assert [answer["actionType"]] == codepipeline.list_action_types()["actionTypes"]
