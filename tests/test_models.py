"""Models: names from the service model, validation of what users build, secrets."""

from __future__ import annotations

import copy
import enum
import pickle
from typing import Any, get_args

import attrs
import botocore.session
import pytest
from botocore import xform_name
from hypothesis import given, settings
from hypothesis import strategies as st

import cpjobs
from strategies import ENUMS, MODELS, models

SERVICE = botocore.session.get_session().get_service_model("codepipeline")
BUILD = cpjobs.ActionTypeId(
    category=cpjobs.ActionCategory.BUILD,
    owner=cpjobs.ActionOwner.CUSTOM,
    provider="Tool",
    version="1",
)
#: The ten job-worker operations and the three that manage custom action types.
OPERATIONS = (
    "AcknowledgeJob",
    "AcknowledgeThirdPartyJob",
    "CreateCustomActionType",
    "DeleteCustomActionType",
    "GetJobDetails",
    "GetThirdPartyJobDetails",
    "ListActionTypes",
    "PollForJobs",
    "PollForThirdPartyJobs",
    "PutJobFailureResult",
    "PutJobSuccessResult",
    "PutThirdPartyJobFailureResult",
    "PutThirdPartyJobSuccessResult",
)
JOB_ID = "11111111-2222-4333-8444-555555555555"
SECRETS = ("AKIDSECRETVALUE", "wJalrXUtnFEMIsecret", "FwoGZXIvsessiontoken", "hunter2")


def reachable_structures(operations: tuple[str, ...]) -> set[str]:
    """The structure shapes the operations' inputs and outputs reach."""
    found: set[str] = set()
    pending = [
        shape
        for name in operations
        for shape in (
            SERVICE.operation_model(name).input_shape,
            SERVICE.operation_model(name).output_shape,
        )
        if shape is not None
    ]
    while pending:
        shape = pending.pop()
        if shape.type_name == "list":
            pending.append(shape.member)
        elif shape.type_name == "map":
            pending.extend((shape.key, shape.value))
        elif shape.type_name == "structure" and shape.name not in found:
            found.add(shape.name)
            pending.extend(shape.members.values())
    return found


def secret_job() -> cpjobs.Job:
    return cpjobs.Job(
        id=JOB_ID,
        nonce="1",
        data=cpjobs.JobData(
            action_type_id=BUILD,
            action_configuration=cpjobs.ActionConfiguration(
                configuration={"ApiToken": "hunter2"}
            ),
            artifact_credentials=cpjobs.AWSSessionCredentials(
                access_key_id="AKIDSECRETVALUE",
                secret_access_key="wJalrXUtnFEMIsecret",
                session_token="FwoGZXIvsessiontoken",
            ),
        ),
    )


class TestShapes:
    def test_every_reachable_structure_is_modeled(self) -> None:
        """One model per structure of the thirteen operations, and no other."""
        assert reachable_structures(OPERATIONS) == {cls.__name__ for cls in MODELS}

    @pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
    def test_fields_are_xform_names_of_members(self, cls: type[Any]) -> None:
        """Field names are botocore.xform_name of the shape's members, in order."""
        shape = SERVICE.shape_for(cls.__name__)

        assert [xform_name(m) for m in shape.members] == [
            f.name for f in attrs.fields(cls)
        ]

    @pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
    def test_required_members_have_no_default(self, cls: type[Any]) -> None:
        """Required members must be given; optional ones default to None."""
        shape = SERVICE.shape_for(cls.__name__)
        required = {xform_name(m) for m in shape.required_members}

        assert {f.name: f.name in required for f in attrs.fields(cls)} == {
            f.name: f.default is attrs.NOTHING for f in attrs.fields(cls)
        }

    @pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
    def test_models_are_frozen(self, cls: type[Any]) -> None:
        """Every model refuses to change a field."""
        instance = object.__new__(cls)

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(instance, attrs.fields(cls)[0].name, None)

    def test_jobs_hash_pickle_and_copy(self) -> None:
        """A Job (maps included) is hashable, picklable and deep-copyable."""
        job = secret_job()

        copies = [pickle.loads(pickle.dumps(job)), copy.deepcopy(job)]

        assert [job, job] == copies
        assert {hash(job)} == {hash(c) for c in copies}

    @pytest.mark.parametrize(
        "error",
        [
            cpjobs.InvalidField("F.f", "is long", "1 to 2"),
            cpjobs.InvalidNonce(
                "InvalidNonceException",
                "no",
                operation="AcknowledgeJob",
                request_id="r-1",
                http_status=400,
            ),
            cpjobs.TransportError("PollForJobs", "refused"),
            cpjobs.UnexpectedResponse("PollForJobs", "bad"),
            cpjobs.CredentialsError("CreateClient", "none", retryable=True),
        ],
        ids=lambda e: type(e).__name__,
    )
    def test_errors_pickle(self, error: cpjobs.CPJobsError) -> None:
        """Errors survive pickling (to and from worker processes) whole."""
        copy_ = pickle.loads(pickle.dumps(error))

        assert (type(error), str(error), vars(error), error.retryable) == (
            type(copy_),
            str(copy_),
            vars(copy_),
            copy_.retryable,
        )

    @pytest.mark.parametrize("enum_type", ENUMS, ids=lambda e: e.__name__)
    def test_enums_list_the_service_values(self, enum_type: type[Any]) -> None:
        """Each enum's members are the service model's values."""
        assert SERVICE.shape_for(enum_type.__name__).enum == [
            m.value for m in enum_type
        ]


class TestOpenEnums:
    def test_unknown_value_is_an_instance_with_its_value(self) -> None:
        """A value added later is an ActionCategory that keeps the raw string."""
        quantum = cpjobs.ActionCategory("Quantum")

        assert isinstance(quantum, cpjobs.ActionCategory)
        assert (
            quantum.value,
            str(quantum),
            quantum.is_known,
        ) == ("Quantum", "Quantum", False)

    def test_unknown_value_falls_through_match(self) -> None:
        """Match on members reaches the wildcard for an unknown value."""
        match cpjobs.JobStatus("Paused"):
            case cpjobs.JobStatus.IN_PROGRESS:
                seen = "in progress"
            case other:
                seen = f"other: {other}"

        assert seen == "other: Paused"

    def test_members_compare_to_their_wire_strings(self) -> None:
        """Members are str: equal to their wire value."""
        assert cpjobs.JobStatus.IN_PROGRESS == "InProgress"

    def test_unknown_values_are_not_listed(self) -> None:
        """Iterating an enum gives only the known members."""
        cpjobs.FailureType("Novel")

        assert len(list(cpjobs.FailureType)) == 6

    def test_non_strings_are_refused(self) -> None:
        """Only strings can be enum values."""
        with pytest.raises(ValueError, match="3"):
            cpjobs.JobStatus(3)


def make(cls: type[Any], **kwargs: Any) -> Any:
    return cls(**kwargs)


LIMIT_CASES = [
    (
        "ActionTypeId.category",
        "instance of ActionCategory",
        lambda: cpjobs.PollForJobsInput(action_type_id=attrs.evolve(BUILD, category=3)),
    ),
    (
        "PutJobFailureResultInput.failure_details",
        "instance of FailureDetails",
        lambda: cpjobs.PutJobFailureResultInput(job_id=JOB_ID, failure_details="boom"),
    ),
    (
        "ActionTypeId.provider",
        "1 to 35",
        lambda: cpjobs.PollForJobsInput(
            action_type_id=attrs.evolve(BUILD, provider="x" * 36)
        ),
    ),
    (
        "ActionTypeId.provider",
        "[0-9A-Za-z_-]+",
        lambda: cpjobs.PollForJobsInput(
            action_type_id=attrs.evolve(BUILD, provider="my tool")
        ),
    ),
    (
        "ActionTypeId.version",
        "1 to 9",
        lambda: cpjobs.PollForThirdPartyJobsInput(
            action_type_id=attrs.evolve(BUILD, version="1234567890")
        ),
    ),
    (
        "PollForJobsInput.max_batch_size",
        ">= 1",
        lambda: cpjobs.PollForJobsInput(action_type_id=BUILD, max_batch_size=0),
    ),
    (
        "PollForJobsInput.query_param",
        "at most 1",
        lambda: cpjobs.PollForJobsInput(
            action_type_id=BUILD, query_param={"a": "1", "b": "2"}
        ),
    ),
    (
        "PollForJobsInput.query_param key",
        "1 to 50",
        lambda: cpjobs.PollForJobsInput(
            action_type_id=BUILD, query_param={"k" * 51: "1"}
        ),
    ),
    (
        "PollForJobsInput.query_param['k']",
        "[a-zA-Z0-9_-]+",
        lambda: cpjobs.PollForJobsInput(action_type_id=BUILD, query_param={"k": "a b"}),
    ),
    (
        "AcknowledgeJobInput.nonce",
        "1 to 50",
        lambda: cpjobs.AcknowledgeJobInput(job_id=JOB_ID, nonce="n" * 51),
    ),
    (
        "AcknowledgeThirdPartyJobInput.client_token",
        "1 to 256",
        lambda: cpjobs.AcknowledgeThirdPartyJobInput(
            job_id=JOB_ID, nonce="1", client_token=""
        ),
    ),
    (
        "PutJobSuccessResultInput.continuation_token",
        "1 to 2048",
        lambda: cpjobs.PutJobSuccessResultInput(
            job_id=JOB_ID, continuation_token="t" * 2049
        ),
    ),
    (
        "PutJobSuccessResultInput.output_variables key",
        "[A-Za-z0-9@\\-_]+",
        lambda: cpjobs.PutJobSuccessResultInput(
            job_id=JOB_ID, output_variables={"no spaces": "v"}
        ),
    ),
    (
        "PutJobSuccessResultInput.output_variables",
        "without a continuation token",
        lambda: cpjobs.PutJobSuccessResultInput(
            job_id=JOB_ID, continuation_token="t", output_variables={"k": "v"}
        ),
    ),
    (
        "FailureDetails.message",
        "1 to 5000",
        lambda: cpjobs.FailureDetails(
            type=cpjobs.FailureType.JOB_FAILED, message="m" * 5001
        ),
    ),
    (
        "FailureDetails.message",
        "1 to 5000",
        lambda: cpjobs.FailureDetails(type=cpjobs.FailureType.JOB_FAILED, message=""),
    ),
    (
        "ExecutionDetails.summary",
        "1 to 2048",
        lambda: cpjobs.ExecutionDetails(summary="s" * 2049),
    ),
    (
        "ExecutionDetails.external_execution_id",
        "1 to 1500",
        lambda: cpjobs.ExecutionDetails(external_execution_id="e" * 1501),
    ),
    (
        "ExecutionDetails.percent_complete",
        "0 to 100",
        lambda: cpjobs.ExecutionDetails(percent_complete=101),
    ),
    (
        "ExecutionDetails.percent_complete",
        "0 to 100",
        lambda: cpjobs.ExecutionDetails(percent_complete=-1),
    ),
    (
        "CurrentRevision.revision",
        "1 to 1500",
        lambda: cpjobs.CurrentRevision(revision="r" * 1501, change_identifier="c"),
    ),
    (
        "CurrentRevision.change_identifier",
        "1 to 100",
        lambda: cpjobs.CurrentRevision(revision="r", change_identifier="c" * 101),
    ),
    (
        "CurrentRevision.revision_summary",
        "1 to 2048",
        lambda: cpjobs.CurrentRevision(
            revision="r", change_identifier="c", revision_summary="s" * 2049
        ),
    ),
]


def prop(name: str, **flags: Any) -> cpjobs.ActionConfigurationProperty:
    """A configuration property, required and not secret unless told."""
    given = {"required": True, "key": False, "secret": False, **flags}
    return cpjobs.ActionConfigurationProperty(name=name, **given)


def custom_action_type(**changes: Any) -> cpjobs.CreateCustomActionTypeInput:
    """A valid CreateCustomActionTypeInput, changed as told."""
    artifacts = cpjobs.ArtifactDetails(minimum_count=0, maximum_count=1)
    request: dict[str, Any] = {
        "category": cpjobs.ActionCategory.TEST,
        "provider": "Lint",
        "version": "1",
        "input_artifact_details": artifacts,
        "output_artifact_details": artifacts,
        **changes,
    }
    return cpjobs.CreateCustomActionTypeInput(**request)


ACTION_TYPE_LIMIT_CASES = [
    (
        "CreateCustomActionTypeInput.provider",
        "1 to 35",
        lambda: custom_action_type(provider="p" * 36),
    ),
    (
        "CreateCustomActionTypeInput.version",
        "1 to 9",
        lambda: custom_action_type(version="1" * 10),
    ),
    (
        "CreateCustomActionTypeInput.input_artifact_details.maximum_count",
        "0 to 5",
        lambda: custom_action_type(
            input_artifact_details=cpjobs.ArtifactDetails(
                minimum_count=0, maximum_count=6
            )
        ),
    ),
    (
        "CreateCustomActionTypeInput.output_artifact_details.maximum_count",
        "maximum_count >= minimum_count",
        lambda: custom_action_type(
            output_artifact_details=cpjobs.ArtifactDetails(
                minimum_count=2, maximum_count=1
            )
        ),
    ),
    (
        "CreateCustomActionTypeInput.output_artifact_details",
        "instance of ArtifactDetails",
        lambda: custom_action_type(output_artifact_details={"minimumCount": 0}),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties",
        "at most 10",
        lambda: custom_action_type(
            configuration_properties=[prop(f"P{i}") for i in range(11)]
        ),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties[1].name",
        "unique property names",
        lambda: custom_action_type(configuration_properties=[prop("A"), prop("A")]),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties[0].description",
        "1 to 160",
        lambda: custom_action_type(
            configuration_properties=[prop("A", description="d" * 161)]
        ),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties[0].secret",
        "a bool",
        lambda: custom_action_type(configuration_properties=[prop("A", secret="no")]),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties",
        "at most one",
        lambda: custom_action_type(
            configuration_properties=[
                prop("A", queryable=True),
                prop("B", queryable=True),
            ]
        ),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties[1].queryable",
        "required and not secret",
        lambda: custom_action_type(
            configuration_properties=[prop("A"), prop("B", queryable=True, secret=True)]
        ),
    ),
    (
        "CreateCustomActionTypeInput.configuration_properties[0].queryable",
        "required and not secret",
        lambda: custom_action_type(
            configuration_properties=[prop("A", queryable=True, required=False)]
        ),
    ),
    (
        "CreateCustomActionTypeInput.settings.entity_url_template",
        "required, non-secret",
        lambda: custom_action_type(
            settings=cpjobs.ActionTypeSettings(
                entity_url_template="https://ci/{Config:Token}"
            ),
            configuration_properties=[prop("Token", secret=True)],
        ),
    ),
    (
        "CreateCustomActionTypeInput.settings.execution_url_template",
        "required, non-secret",
        lambda: custom_action_type(
            settings=cpjobs.ActionTypeSettings(
                execution_url_template="https://ci/{Config:Project}"
            ),
            configuration_properties=[prop("Project", required=False)],
        ),
    ),
    (
        "CreateCustomActionTypeInput.settings.revision_url_template",
        "required, non-secret",
        lambda: custom_action_type(
            settings=cpjobs.ActionTypeSettings(
                revision_url_template="https://ci/{Config:Missing}"
            )
        ),
    ),
    (
        "CreateCustomActionTypeInput.settings.third_party_configuration_url",
        "1 to 2048",
        lambda: custom_action_type(
            settings=cpjobs.ActionTypeSettings(third_party_configuration_url="")
        ),
    ),
    (
        "CreateCustomActionTypeInput.tags[0].key",
        "1 to 128",
        lambda: custom_action_type(tags=[cpjobs.Tag(key="k" * 129, value="v")]),
    ),
    (
        "ListActionTypesInput.region_filter",
        "4 to 30",
        lambda: cpjobs.ListActionTypesInput(region_filter="eu"),
    ),
]


def enum_fields() -> list[tuple[type[Any], str, type[Any]]]:
    """Every (model, field, enum) where the field holds an enum member."""
    found = []
    for cls in MODELS:
        for field in attrs.fields(cls):
            args = get_args(field.type) or (field.type,)
            found.extend(
                (cls, field.name, arg)
                for arg in args
                if isinstance(arg, type) and issubclass(arg, enum.Enum)
            )
    return found


class TestEnumsFromStrings:
    def test_action_type_id_from_strings_holds_members(self) -> None:
        """ActionTypeId built from strings holds the members, as users write it."""
        lint = cpjobs.ActionTypeId(
            category="Test", owner="Custom", provider="Lint", version="1"
        )

        assert (cpjobs.ActionCategory.TEST, cpjobs.ActionOwner.CUSTOM) == (
            lint.category,
            lint.owner,
        )
        assert lint.category is cpjobs.ActionCategory.TEST

    def test_unknown_string_becomes_a_pseudo_member(self) -> None:
        """A string the enum does not know is kept as its open pseudo-member."""
        action = cpjobs.ActionTypeId(
            category="Quantum", owner="Custom", provider="Q", version="1"
        )

        assert (cpjobs.ActionCategory, "Quantum", False) == (
            type(action.category),
            action.category.value,
            action.category.is_known,
        )

    @pytest.mark.parametrize(
        ("cls", "name", "enum_type"),
        enum_fields(),
        ids=lambda item: getattr(item, "__name__", item),
    )
    @settings(max_examples=5, deadline=None)
    @given(data=st.data())
    def test_every_enum_field_takes_a_string(
        self, cls: type[Any], name: str, enum_type: type[Any], data: st.DataObject
    ) -> None:
        """Each enum-typed field of each model takes the string value of a member."""
        member = data.draw(st.sampled_from(list(enum_type)))
        model = data.draw(models(cls))

        changed = attrs.evolve(model, **{name: member.value})

        assert (member, type(member)) == (
            getattr(changed, name),
            type(getattr(changed, name)),
        )

    def test_non_string_is_refused_naming_the_field(self) -> None:
        """A value that is neither a member nor a string is refused by name."""
        with pytest.raises(cpjobs.InvalidField) as caught:
            cpjobs.FailureDetails(type=3, message="no")  # type: ignore[arg-type]

        assert "FailureDetails.type" == caught.value.field


class TestValidation:
    @pytest.mark.parametrize(
        ("field", "limit", "build"),
        LIMIT_CASES + ACTION_TYPE_LIMIT_CASES,
        ids=[c[0] for c in LIMIT_CASES + ACTION_TYPE_LIMIT_CASES],
    )
    def test_limit_is_named(self, field: str, limit: str, build: Any) -> None:
        """Breaking a limit raises InvalidField naming the field and the limit."""
        with pytest.raises(cpjobs.InvalidField) as caught:
            build()

        assert (field, True) == (caught.value.field, limit in caught.value.limit)

    def test_invalid_field_is_a_value_error(self) -> None:
        """InvalidField can be caught as ValueError and as CPJobsError."""
        assert issubclass(cpjobs.InvalidField, ValueError)
        assert issubclass(cpjobs.InvalidField, cpjobs.CPJobsError)

    def test_map_values_are_not_quoted(self) -> None:
        """A configuration value breaking its pattern is not quoted in the error."""
        with pytest.raises(cpjobs.InvalidField) as caught:
            cpjobs.PollForJobsInput(action_type_id=BUILD, query_param={"k": "hunter 2"})

        assert ("PollForJobsInput.query_param['k']", False) == (
            caught.value.field,
            "hunter" in str(caught.value),
        )

    def test_names_are_quoted(self) -> None:
        """A provider breaking its pattern is quoted, to help fix it."""
        with pytest.raises(cpjobs.InvalidField, match="'my tool'"):
            cpjobs.PollForJobsInput(
                action_type_id=attrs.evolve(BUILD, provider="my tool")
            )

    def test_empty_output_variables_with_continuation_are_refused(self) -> None:
        """Even an empty outputVariables map may not go with a continuation token."""
        with pytest.raises(cpjobs.InvalidField, match="continuation_token"):
            cpjobs.PutJobSuccessResultInput(
                job_id=JOB_ID, continuation_token="t", output_variables={}
            )

    def test_limits_hold_at_the_edges(self) -> None:
        """Values exactly at the limits are accepted."""
        details = cpjobs.ExecutionDetails(
            summary="s" * 2048, external_execution_id="e" * 1500, percent_complete=100
        )
        failure = cpjobs.FailureDetails(
            type=cpjobs.FailureType.JOB_FAILED, message="m" * 5000
        )

        assert (len(details.summary or ""), len(failure.message)) == (2048, 5000)

    def test_responses_are_not_validated(self) -> None:
        """What the service sends is taken as it comes."""
        job = cpjobs.Job(id="not-a-uuid", nonce="n" * 80)

        assert len(job.nonce or "") == 80

    def test_maps_are_read_only_copies(self) -> None:
        """A map given to a model is copied and cannot be changed through it."""
        variables = {"k": "v"}
        request = cpjobs.PutJobSuccessResultInput(
            job_id=JOB_ID, output_variables=variables
        )
        variables["k"] = "changed"

        assert dict(request.output_variables or {}) == {"k": "v"}
        with pytest.raises(TypeError):
            request.output_variables["k"] = "x"  # type: ignore[index]


class TestSecrets:
    def test_credentials_never_in_repr_or_str(self) -> None:
        """AWSSessionCredentials shows none of its values."""
        credentials = secret_job().data.artifact_credentials  # type: ignore[union-attr]

        shown = repr(credentials) + str(credentials)

        assert [secret for secret in SECRETS if secret in shown] == []

    def test_configuration_values_are_redacted(self) -> None:
        """Action configuration reprs show keys, never values."""
        configuration = cpjobs.ActionConfiguration(
            configuration={"ApiToken": "hunter2"}
        )

        assert (
            repr(configuration)
            == "ActionConfiguration(configuration={'ApiToken': '***'})"
        )

    def test_whole_job_repr_has_no_secret(self) -> None:
        """Neither repr nor str of a whole Job leaks credentials or configuration."""
        job = secret_job()

        shown = repr(job) + str(job)

        assert [secret for secret in SECRETS if secret in shown] == []

    def test_polled_output_repr_has_no_secret(self) -> None:
        """The repr of a poll's output, as structured from the wire, leaks nothing."""
        wire = cpjobs.converter.unstructure(
            cpjobs.PollForJobsOutput(jobs=(secret_job(), secret_job()))
        )
        output = cpjobs.converter.structure(wire, cpjobs.PollForJobsOutput)

        assert [secret for secret in SECRETS if secret in repr(output)] == []

    def test_client_token_not_in_request_repr(self) -> None:
        """Third-party requests do not show their client token."""
        request = cpjobs.AcknowledgeThirdPartyJobInput(
            job_id=JOB_ID, nonce="1", client_token="hunter2"
        )

        assert "hunter2" not in repr(request)


class TestActionTypes:
    def test_a_full_definition_is_accepted(self) -> None:
        """A queryable required property, templates naming it, lists as tuples."""
        request = custom_action_type(
            settings=cpjobs.ActionTypeSettings(
                entity_url_template="https://ci/{Config:Project}",
                execution_url_template="https://ci/{Config:Project}/{ExternalExecutionId}",
            ),
            configuration_properties=[
                prop("Project", queryable=True, key=True),
                prop("Token", secret=True, required=False),
            ],
            tags=[cpjobs.Tag(key="team", value="")],
        )

        assert (("Project", "Token"), (cpjobs.Tag(key="team", value=""),)) == (
            tuple(p.name for p in request.configuration_properties or ()),
            request.tags,
        )

    def test_responses_are_not_checked(self) -> None:
        """An ActionType from the service is taken as it comes, like every response."""
        artifacts = cpjobs.ArtifactDetails(minimum_count=0, maximum_count=9)

        action_type = cpjobs.ActionType(
            id=BUILD,
            input_artifact_details=artifacts,
            output_artifact_details=artifacts,
        )

        assert 9 == action_type.input_artifact_details.maximum_count
