"""``cpjobs action-type``: register, list, show and delete against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cpjobs
from action_types.specs import LINT, LINT_TOML
from cpjobs.testing import CodePipelineEmulator

from .conftest import Run, run_cpjobs

LINT_ID = "Test/Custom/Lint/1"


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "lint.toml"
    path.write_text(LINT_TOML, encoding="utf-8")
    return path


class TestRegister:
    def test_register_creates_then_leaves_alone(
        self, cpjobs_on: Run, emulator: CodePipelineEmulator, spec_file: Path
    ) -> None:
        """The first register creates the type, the second leaves it as it is."""
        first = cpjobs_on("action-type", "register", spec_file)
        second = cpjobs_on("action-type", "register", spec_file)

        assert (0, f"created: {LINT_ID}\n", 0, f"unchanged: {LINT_ID}\n", 1) == (
            first.returncode,
            first.stdout,
            second.returncode,
            second.stdout,
            emulator.calls("CreateCustomActionType"),
        )

    def test_changed_definition_is_refused_with_a_hint(
        self, cpjobs_on: Run, emulator: CodePipelineEmulator, spec_file: Path
    ) -> None:
        """A changed spec for a registered version exits 1 with the difference."""
        cpjobs_on("action-type", "register", spec_file)
        spec_file.write_text(
            LINT_TOML.replace("maximumCount = 0", "maximumCount = 2"), encoding="utf-8"
        )

        result = cpjobs_on("action-type", "register", spec_file)

        assert (1, 1) == (result.returncode, emulator.calls("CreateCustomActionType"))
        assert (
            "  - output_artifact_details.maximum_count: registered 0, spec 2"
            in result.stderr.splitlines()
        )
        assert "as a new version (e.g. version '2')" in result.stderr

    def test_invalid_spec_is_a_configuration_error(
        self, cpjobs_on: Run, emulator: CodePipelineEmulator, spec_file: Path
    ) -> None:
        """A spec breaking a rule exits 3 naming the field; nothing is sent."""
        spec_file.write_text(
            LINT_TOML.replace("secret = false\nqueryable", "secret = true\nqueryable"),
            encoding="utf-8",
        )

        result = cpjobs_on("action-type", "register", spec_file)

        assert (3, 0, True) == (
            result.returncode,
            emulator.calls("ListActionTypes"),
            "ActionTypeSpec.configuration_properties[0].queryable" in result.stderr,
        )

    def test_missing_spec_file_is_a_configuration_error(
        self, cpjobs_on: Run, tmp_path: Path
    ) -> None:
        """A spec path that does not exist exits 3 in one line."""
        result = cpjobs_on("action-type", "register", tmp_path / "none.toml")

        assert (3, 1) == (result.returncode, len(result.stderr.splitlines()))

    def test_emit_cloudformation_prints_the_template(
        self, emulator: CodePipelineEmulator, spec_file: Path
    ) -> None:
        """--emit cloudformation prints the template and calls no service."""
        result = run_cpjobs(
            "action-type", "register", spec_file, CPJOBS_EMIT="cloudformation"
        )

        assert (0, cpjobs.cloudformation_template(LINT), 0) == (
            result.returncode,
            json.loads(result.stdout),
            emulator.calls("ListActionTypes"),
        )


class TestListShowDelete:
    def test_list_prints_one_id_per_line(
        self, emulator: CodePipelineEmulator, spec_file: Path, cpjobs_on: Run
    ) -> None:
        """The list verb prints the custom types; endpoint and region from env."""
        cpjobs_on("action-type", "register", spec_file)

        result = run_cpjobs(
            "action-type",
            "list",
            CPJOBS_ENDPOINT_URL=emulator.endpoint_url,
            CPJOBS_REGION=emulator.region,
        )

        assert (0, f"{LINT_ID}\n") == (result.returncode, result.stdout)

    def test_show_prints_a_spec_that_registers_the_same(
        self, cpjobs_on: Run, spec_file: Path, tmp_path: Path
    ) -> None:
        """The show verb prints a JSON spec that reads back as the same spec."""
        cpjobs_on("action-type", "register", spec_file)

        result = cpjobs_on("action-type", "show", LINT_ID)

        shown = tmp_path / "shown.json"
        shown.write_text(result.stdout, encoding="utf-8")
        assert (0, LINT) == (result.returncode, cpjobs.ActionTypeSpec.load(shown))

    def test_delete_removes_the_type(self, cpjobs_on: Run, spec_file: Path) -> None:
        """After delete, show says the type is not registered (exit 1)."""
        cpjobs_on("action-type", "register", spec_file)

        deleted = cpjobs_on("action-type", "delete", LINT_ID)
        shown = cpjobs_on("action-type", "show", LINT_ID)

        assert (0, f"deleted: {LINT_ID}\n", 1, f"{LINT_ID} is not registered\n") == (
            deleted.returncode,
            deleted.stdout,
            shown.returncode,
            shown.stderr,
        )

    def test_no_credentials_is_a_configuration_error(
        self, emulator: CodePipelineEmulator
    ) -> None:
        """Without credentials the command exits 3 and says so."""
        result = run_cpjobs(
            "action-type",
            "list",
            "--endpoint-url",
            emulator.endpoint_url,
            "--region",
            emulator.region,
            AWS_ACCESS_KEY_ID="",
            AWS_SECRET_ACCESS_KEY="",
        )

        assert (3, True) == (result.returncode, "credentials" in result.stderr.lower())


class TestFailures:
    def test_service_error_exits_1_in_one_line(
        self, cpjobs_on: Run, emulator: CodePipelineEmulator
    ) -> None:
        """An error answer from the service is one line naming its code; exit 1."""
        emulator.inject_fault("ListActionTypes", code="ValidationException")

        result = cpjobs_on("action-type", "list")

        assert (1, ["python -m cpjobs: ListActionTypes: ValidationException"]) == (
            result.returncode,
            [line.split(": Injected")[0] for line in result.stderr.splitlines()],
        )

    def test_unknown_profile_is_a_configuration_error(self, cpjobs_on: Run) -> None:
        """A profile the AWS config does not have exits 3 naming it."""
        result = cpjobs_on("action-type", "list", CPJOBS_PROFILE="nowhere")

        assert (3, True) == (result.returncode, "nowhere" in result.stderr)

    def test_only_custom_types_are_deleted(self, cpjobs_on: Run) -> None:
        """Deleting a type of another owner is refused before any call."""
        result = cpjobs_on("action-type", "delete", "Deploy/ThirdParty/Partner/1")

        assert (3, True) == (result.returncode, "owned by Custom" in result.stderr)
