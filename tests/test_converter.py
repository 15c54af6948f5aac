"""cpjobs.converter: models to botocore's wire dicts and back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import botocore.session
import pytest
from botocore.validate import ParamValidator
from cattrs.errors import ForbiddenExtraKeysError
from hypothesis import given, settings
from hypothesis import strategies as st

import cpjobs
from cpjobs._converter import make_converter, wire_name
from strategies import MODELS, models

SERVICE = botocore.session.get_session().get_service_model("codepipeline")
STRICT = make_converter(forbid_extra_keys=True)
INPUTS = tuple(cls for cls in MODELS if cls.__name__.endswith("Input"))


def operation_of(input_cls: type[Any]) -> str:
    return input_cls.__name__.removesuffix("Input")


def wire_job() -> dict[str, Any]:
    return {
        "id": "11111111-2222-4333-8444-555555555555",
        "nonce": "1",
        "accountId": "123456789012",
        "data": {
            "actionTypeId": {
                "category": "Build",
                "owner": "Custom",
                "provider": "Tool",
                "version": "1",
            },
            "actionConfiguration": {"configuration": {"Token": "hunter2"}},
            "inputArtifacts": [
                {
                    "name": "Src",
                    "location": {
                        "type": "S3",
                        "s3Location": {"bucketName": "b", "objectKey": "k"},
                    },
                }
            ],
            "artifactCredentials": {
                "accessKeyId": "AKIDEXAMPLE",
                "secretAccessKey": "wJalrXUtnFEMI",
                "sessionToken": "FwoGZXIvYXdz",
            },
        },
    }


class TestRoundTrip:
    @pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def test_every_model_round_trips(self, cls: type[Any], data: st.DataObject) -> None:
        """structure(unstructure(model)) gives back an equal model, for every shape."""
        model = data.draw(models(cls))

        assert model == STRICT.structure(cpjobs.converter.unstructure(model), cls)

    @pytest.mark.parametrize("cls", INPUTS, ids=lambda cls: cls.__name__)
    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def test_requests_are_what_botocore_accepts(
        self, cls: type[Any], data: st.DataObject
    ) -> None:
        """Every unstructured request passes botocore's own parameter validation."""
        wire = cpjobs.converter.unstructure(data.draw(models(cls)))
        shape = SERVICE.operation_model(operation_of(cls)).input_shape

        report = ParamValidator().validate(wire, shape)

        assert report.generate_report() == ""

    def test_wire_job_round_trips_to_the_same_dict(self) -> None:
        """A wire Job comes back as the same dict: nothing lost, nothing added."""
        wire = wire_job()

        assert wire == cpjobs.converter.unstructure(
            cpjobs.converter.structure(wire, cpjobs.Job)
        )


class TestWireNames:
    @pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
    def test_fields_are_the_service_members(self, cls: type[Any]) -> None:
        """Each model's wire names are exactly its botocore shape's members."""
        shape = SERVICE.shape_for(cls.__name__)

        assert list(shape.members) == [wire_name(f.name) for f in attrs.fields(cls)]

    def test_none_is_omitted(self) -> None:
        """Unset optional members are left out: botocore rejects None."""
        request = cpjobs.PollForJobsInput(
            action_type_id=cpjobs.ActionTypeId(
                category=cpjobs.ActionCategory.BUILD,
                owner=cpjobs.ActionOwner.CUSTOM,
                provider="Tool",
                version="1",
            )
        )

        assert cpjobs.converter.unstructure(request) == {
            "actionTypeId": {
                "category": "Build",
                "owner": "Custom",
                "provider": "Tool",
                "version": "1",
            }
        }


class TestStructure:
    def test_unknown_members_are_ignored(self) -> None:
        """A member AWS adds later does not break structuring."""
        wire = wire_job()
        wire["data"]["newThing"] = {"x": 1}

        job = cpjobs.converter.structure(wire, cpjobs.Job)

        assert job.data.action_type_id.provider == "Tool"

    def test_strict_converter_reports_unknown_members(self) -> None:
        """The strict converter names members the models do not know."""
        wire = wire_job()
        wire["data"]["newThing"] = 1

        with pytest.raises(ForbiddenExtraKeysError, match="newThing"):
            STRICT.structure(wire, cpjobs.Job)

    def test_unknown_enum_value_is_kept(self) -> None:
        """A category the service adds later structures and goes back unchanged."""
        wire = wire_job()
        wire["data"]["actionTypeId"]["category"] = "Quantum"

        job = cpjobs.converter.structure(wire, cpjobs.Job)
        category = job.data.action_type_id.category

        assert (category.is_known, category.value) == (False, "Quantum")
        assert (
            cpjobs.converter.unstructure(job)["data"]["actionTypeId"]["category"]
            == "Quantum"
        )

    def test_known_enum_value_is_the_member(self) -> None:
        """Known values structure to the enum members themselves."""
        job = cpjobs.converter.structure(wire_job(), cpjobs.Job)

        assert job.data.action_type_id.category is cpjobs.ActionCategory.BUILD

    @pytest.mark.parametrize("value", [3, 1.5, b"x", ["x"], {"x": 1}])
    def test_strings_are_strict(self, value: object) -> None:
        """A non-string where a string belongs is an error, not a coercion."""
        wire = wire_job()
        wire["nonce"] = value

        with pytest.raises(TypeError, match=r"Job\.nonce: expected a string"):
            cpjobs.converter.structure(wire, cpjobs.Job)

    def test_none_in_a_required_member_is_missing(self) -> None:
        """None for a required member is refused as missing, not kept."""
        wire = wire_job()
        wire["data"]["actionTypeId"]["provider"] = None

        with pytest.raises(KeyError, match="provider"):
            cpjobs.converter.structure(wire, cpjobs.Job)

    def test_unhashable_enum_value_is_a_type_error(self) -> None:
        """A list where an enum string belongs is refused by name."""
        wire = wire_job()
        wire["data"]["actionTypeId"]["category"] = ["Build"]

        with pytest.raises(TypeError, match="ActionCategory: expected a string"):
            cpjobs.converter.structure(wire, cpjobs.Job)

    def test_map_value_errors_name_the_key(self) -> None:
        """A non-string configuration value is reported with its key."""
        wire = wire_job()
        wire["data"]["actionConfiguration"]["configuration"] = {"Token": 3}

        with pytest.raises(TypeError, match="map value of 'Token'"):
            cpjobs.converter.structure(wire, cpjobs.Job)

    def test_missing_required_member_is_named(self) -> None:
        """A required member missing from the wire is named in the error."""
        wire = wire_job()
        del wire["data"]["actionTypeId"]["provider"]

        with pytest.raises(KeyError, match="provider"):
            cpjobs.converter.structure(wire, cpjobs.Job)

    def test_lists_become_tuples_and_maps_are_read_only(self) -> None:
        """Structured models are immutable all the way down."""
        job = cpjobs.converter.structure(wire_job(), cpjobs.Job)

        assert isinstance(job.data.input_artifacts, tuple)
        with pytest.raises(TypeError):
            job.data.action_configuration.configuration["Token"] = "x"  # type: ignore[index]

    @pytest.mark.parametrize(
        "wire",
        [
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05",
            1767323045,
        ],
    )
    def test_timestamps_accept_botocore_and_json_forms(self, wire: object) -> None:
        """Timestamps come as datetimes from botocore, as text or epoch from JSON."""
        revision = cpjobs.converter.structure(
            {"revision": "r", "changeIdentifier": "c", "created": wire},
            cpjobs.CurrentRevision,
        )

        assert datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC) == revision.created

    def test_structuring_a_request_validates_it(self) -> None:
        """Request shapes keep their validation when structured."""
        with pytest.raises(cpjobs.InvalidField, match=r"FailureDetails\.message"):
            cpjobs.converter.structure(
                {"type": "JobFailed", "message": ""}, cpjobs.FailureDetails
            )
