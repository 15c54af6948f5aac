"""register_action_type against the emulator: idempotent, refuses changes."""

from __future__ import annotations

import attrs
import pytest

import cpjobs
from cpjobs.testing import CodePipelineEmulator

from .specs import LINT


class TestRegister:
    async def test_new_type_is_created_as_specified(
        self, jobs_client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A type not yet registered is created; the service then has no difference."""
        outcome = await cpjobs.register_action_type(jobs_client, LINT)

        registered = await cpjobs.find_action_type(jobs_client, LINT.action_type_id)
        assert registered is not None
        assert (cpjobs.Registration.CREATED, ()) == (
            outcome,
            cpjobs.action_type_differences(LINT, registered),
        )

    async def test_identical_type_is_left_alone(
        self, jobs_client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """Registering the same spec twice creates it once."""
        await cpjobs.register_action_type(jobs_client, LINT)

        outcome = await cpjobs.register_action_type(jobs_client, LINT)

        assert (cpjobs.Registration.UNCHANGED, 1) == (
            outcome,
            emulator.calls("CreateCustomActionType"),
        )

    async def test_changed_definition_is_refused_with_the_difference(
        self, jobs_client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """A different definition of a registered version is refused, nothing sent."""
        await cpjobs.register_action_type(jobs_client, LINT)
        changed = attrs.evolve(
            LINT,
            output_artifact_details=cpjobs.ArtifactDetails(
                minimum_count=0, maximum_count=1
            ),
        )

        with pytest.raises(cpjobs.ActionTypeConflict) as caught:
            await cpjobs.register_action_type(jobs_client, changed)

        assert (
            ("output_artifact_details.maximum_count: registered 0, spec 1",),
            "2",
            1,
        ) == (
            caught.value.differences,
            caught.value.next_version,
            emulator.calls("CreateCustomActionType"),
        )
        assert "new version (e.g. version '2')" in str(caught.value)

    async def test_unlisted_type_is_not_found(
        self, jobs_client: cpjobs.JobsClient, emulator: CodePipelineEmulator
    ) -> None:
        """find_action_type answers None for a type that is not registered."""
        assert None is await cpjobs.find_action_type(jobs_client, LINT.action_type_id)


def registered_as(**changes: object) -> cpjobs.ActionType:
    """LINT as the service would describe it, changed as told."""
    action_type = cpjobs.ActionType(
        id=LINT.action_type_id,
        settings=LINT.settings,
        action_configuration_properties=LINT.configuration_properties,
        input_artifact_details=LINT.input_artifact_details,
        output_artifact_details=LINT.output_artifact_details,
    )
    return attrs.evolve(action_type, **changes)


class TestDifferences:
    def test_property_changes_are_named(self) -> None:
        """A property added, removed or changed is one line each."""
        project, _ = LINT.configuration_properties or ()
        registered = registered_as(
            action_configuration_properties=(
                attrs.evolve(project, description="Old"),
                cpjobs.ActionConfigurationProperty(
                    name="Legacy", required=False, key=False, secret=False
                ),
            )
        )

        assert (
            "configuration_properties: 'Legacy' is registered, not in the spec",
            "configuration_properties['Project'].description: "
            "registered 'Old', spec 'The project to lint'",
            "configuration_properties: 'Token' is in the spec, not registered",
        ) == cpjobs.action_type_differences(LINT, registered)

    def test_settings_changes_are_named(self) -> None:
        """A template the service has but the spec drops is a difference."""
        registered = registered_as(
            settings=attrs.evolve(
                LINT.settings or cpjobs.ActionTypeSettings(),
                revision_url_template="https://lint.example/r",
            )
        )

        assert (
            "settings.revision_url_template: registered 'https://lint.example/r', spec None",
        ) == cpjobs.action_type_differences(LINT, registered)

    def test_unset_queryable_equals_false(self) -> None:
        """Leaving queryable out and queryable=False define the same type."""
        project, token = LINT.configuration_properties or ()
        registered = registered_as(
            action_configuration_properties=(
                project,
                attrs.evolve(token, queryable=False),
            )
        )

        assert () == cpjobs.action_type_differences(LINT, registered)
