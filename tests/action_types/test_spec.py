"""ActionTypeSpec: built in Python or read from TOML/JSON, checked before sending."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import attrs
import pytest

import cpjobs

from .specs import LINT, LINT_TOML


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestBuilding:
    def test_spec_names_a_custom_action_type(self) -> None:
        """The spec's id is owner Custom, with the category as a member."""
        assert (
            cpjobs.ActionTypeId(
                category=cpjobs.ActionCategory.TEST,
                owner=cpjobs.ActionOwner.CUSTOM,
                provider="Lint",
                version="1",
            )
            == LINT.action_type_id
        )

    def test_a_broken_rule_names_the_spec_field(self) -> None:
        """A second queryable property is refused on construction, by field."""
        extra = cpjobs.ActionConfigurationProperty(
            name="Branch", required=True, key=False, secret=False, queryable=True
        )

        with pytest.raises(cpjobs.InvalidField) as caught:
            attrs.evolve(
                LINT,
                configuration_properties=(
                    *(LINT.configuration_properties or ()),
                    extra,
                ),
            )

        assert ("ActionTypeSpec.configuration_properties", "at most one") == (
            caught.value.field,
            caught.value.limit,
        )

    def test_a_template_naming_a_secret_is_refused(self) -> None:
        """A URL template may not name a secret property."""
        settings = cpjobs.ActionTypeSettings(
            execution_url_template="https://lint.example/{Config:Token}"
        )

        with pytest.raises(cpjobs.InvalidField) as caught:
            attrs.evolve(LINT, settings=settings)

        assert "ActionTypeSpec.settings.execution_url_template" == caught.value.field


class TestFiles:
    def test_toml_file_gives_the_same_spec(self, tmp_path: Path) -> None:
        """A TOML file with the request's members reads as the Python spec."""
        path = write(tmp_path, "lint.toml", LINT_TOML)

        assert LINT == cpjobs.ActionTypeSpec.load(path)

    def test_json_file_gives_the_same_spec(self, tmp_path: Path) -> None:
        """A JSON file in the AWS CLI's --cli-input-json form reads the same."""
        text = json.dumps(tomllib.loads(LINT_TOML))
        path = write(tmp_path, "lint.json", text)

        assert LINT == cpjobs.ActionTypeSpec.load(path)

    def test_misspelled_member_is_named(self, tmp_path: Path) -> None:
        """A member no field knows is an error naming the file and the member."""
        path = write(
            tmp_path, "lint.toml", LINT_TOML.replace("secret = true", "secrets = true")
        )

        with pytest.raises(cpjobs.InvalidField) as caught:
            cpjobs.ActionTypeSpec.load(path)

        assert (str(path), True) == (
            caught.value.field,
            "secrets" in caught.value.problem,
        )

    def test_missing_member_is_named(self, tmp_path: Path) -> None:
        """A required member left out is named."""
        path = write(
            tmp_path, "lint.toml", LINT_TOML.replace('provider = "Lint"\n', "")
        )

        with pytest.raises(cpjobs.InvalidField) as caught:
            cpjobs.ActionTypeSpec.load(path)

        assert (str(path), True) == (
            caught.value.field,
            "provider" in caught.value.problem,
        )

    def test_wrong_type_is_refused(self, tmp_path: Path) -> None:
        """A string where a boolean belongs is refused, not taken as truthy."""
        path = write(
            tmp_path, "lint.toml", LINT_TOML.replace("key = true", 'key = "yes"')
        )

        with pytest.raises(cpjobs.InvalidField) as caught:
            cpjobs.ActionTypeSpec.load(path)

        assert "boolean" in caught.value.problem

    def test_rules_apply_to_files(self, tmp_path: Path) -> None:
        """A file breaking a rule fails like the Python spec does."""
        path = write(
            tmp_path,
            "lint.toml",
            LINT_TOML.replace("maximumCount = 0", "maximumCount = 6"),
        )

        with pytest.raises(cpjobs.InvalidField) as caught:
            cpjobs.ActionTypeSpec.load(path)

        assert (
            "ActionTypeSpec.output_artifact_details.maximum_count" == caught.value.field
        )

    def test_syntax_error_says_it_does_not_parse(self, tmp_path: Path) -> None:
        """A file that is not TOML is reported as such."""
        path = write(tmp_path, "lint.toml", "category = \n")

        with pytest.raises(cpjobs.InvalidField, match="does not parse"):
            cpjobs.ActionTypeSpec.load(path)

    def test_other_file_types_are_refused(self, tmp_path: Path) -> None:
        """Only .toml and .json files are read."""
        path = write(tmp_path, "lint.yaml", "category: Test\n")

        with pytest.raises(cpjobs.InvalidField, match=r"\.toml or \.json"):
            cpjobs.ActionTypeSpec.load(path)

    def test_a_json_list_is_refused(self, tmp_path: Path) -> None:
        """The top level of a spec file is a table of members."""
        path = write(tmp_path, "lint.json", "[]")

        with pytest.raises(cpjobs.InvalidField, match="not a table"):
            cpjobs.ActionTypeSpec.load(path)


class TestCloudFormation:
    def test_template_holds_the_custom_action_type(self) -> None:
        """The template's one resource has CloudFormation's names for the members."""
        template = cpjobs.cloudformation_template(LINT)

        assert {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Lint1ActionType": {
                    "Type": "AWS::CodePipeline::CustomActionType",
                    "Properties": {
                        "Category": "Test",
                        "Provider": "Lint",
                        "Version": "1",
                        "Settings": {
                            "EntityUrlTemplate": "https://lint.example/projects/{Config:Project}"
                        },
                        "ConfigurationProperties": [
                            {
                                "Name": "Project",
                                "Required": True,
                                "Key": True,
                                "Secret": False,
                                "Queryable": True,
                                "Description": "The project to lint",
                                "Type": "String",
                            },
                            {
                                "Name": "Token",
                                "Required": False,
                                "Key": False,
                                "Secret": True,
                            },
                        ],
                        "InputArtifactDetails": {"MinimumCount": 1, "MaximumCount": 1},
                        "OutputArtifactDetails": {"MinimumCount": 0, "MaximumCount": 0},
                    },
                }
            },
        } == template
