"""Typed models of the job-worker half of the CodePipeline API.

One frozen class per structure of botocore's service model, named as there;
fields are the members in snake case. The models know nothing of the wire:
`cpjobs.converter` maps them to and from botocore's camelCase dicts.

What a worker builds (the ``*Input`` shapes, `CurrentRevision`,
`ExecutionDetails`, `FailureDetails`) is validated on construction against
the service's limits; what the service sends is taken as it comes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Self, TypeVar, cast

import attrs

from . import _validators as v
from ._errors import InvalidField
from ._mapping import freeze, redacted

__all__ = [
    "AWSSessionCredentials",
    "AcknowledgeJobInput",
    "AcknowledgeJobOutput",
    "AcknowledgeThirdPartyJobInput",
    "AcknowledgeThirdPartyJobOutput",
    "ActionCategory",
    "ActionConfiguration",
    "ActionConfigurationProperty",
    "ActionConfigurationPropertyType",
    "ActionContext",
    "ActionOwner",
    "ActionType",
    "ActionTypeId",
    "ActionTypeSettings",
    "Artifact",
    "ArtifactDetails",
    "ArtifactLocation",
    "ArtifactLocationType",
    "CreateCustomActionTypeInput",
    "CreateCustomActionTypeOutput",
    "CurrentRevision",
    "DeleteCustomActionTypeInput",
    "EncryptionKey",
    "EncryptionKeyType",
    "ExecutionDetails",
    "FailureDetails",
    "FailureType",
    "GetJobDetailsInput",
    "GetJobDetailsOutput",
    "GetThirdPartyJobDetailsInput",
    "GetThirdPartyJobDetailsOutput",
    "Job",
    "JobData",
    "JobDetails",
    "JobStatus",
    "ListActionTypesInput",
    "ListActionTypesOutput",
    "PipelineContext",
    "PollForJobsInput",
    "PollForJobsOutput",
    "PollForThirdPartyJobsInput",
    "PollForThirdPartyJobsOutput",
    "PutJobFailureResultInput",
    "PutJobSuccessResultInput",
    "PutThirdPartyJobFailureResultInput",
    "PutThirdPartyJobSuccessResultInput",
    "S3ArtifactLocation",
    "StageContext",
    "Tag",
    "ThirdPartyJob",
    "ThirdPartyJobData",
    "ThirdPartyJobDetails",
]


# --- enums -------------------------------------------------------------------


class _OpenEnum(enum.StrEnum):
    """A str enum that also holds values it does not know yet.

    ``ActionCategory("Quantum")`` is an `ActionCategory` whose name is
    ``UNKNOWN`` and whose value is ``"Quantum"``: code written today keeps
    working when the service adds a member, ``match`` falls through to its
    wildcard case, and the value goes back to the wire unchanged.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self._value_)

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of cpjobs knows by name."""
        return self._name_ in type(self).__members__


class ActionCategory(_OpenEnum):
    """What kind of work an action does."""

    SOURCE = "Source"
    BUILD = "Build"
    DEPLOY = "Deploy"
    TEST = "Test"
    INVOKE = "Invoke"
    APPROVAL = "Approval"
    COMPUTE = "Compute"


class ActionOwner(_OpenEnum):
    """Who provides an action type."""

    AWS = "AWS"
    THIRD_PARTY = "ThirdParty"
    CUSTOM = "Custom"


class ArtifactLocationType(_OpenEnum):
    """Where an artifact is stored."""

    S3 = "S3"


class EncryptionKeyType(_OpenEnum):
    """The kind of key that encrypts the artifact store."""

    KMS = "KMS"


class JobStatus(_OpenEnum):
    """The state of a job."""

    CREATED = "Created"
    QUEUED = "Queued"
    DISPATCHED = "Dispatched"
    IN_PROGRESS = "InProgress"
    TIMED_OUT = "TimedOut"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class FailureType(_OpenEnum):
    """Why a job failed."""

    JOB_FAILED = "JobFailed"
    CONFIGURATION_ERROR = "ConfigurationError"
    PERMISSION_ERROR = "PermissionError"
    REVISION_OUT_OF_SYNC = "RevisionOutOfSync"
    REVISION_UNAVAILABLE = "RevisionUnavailable"
    SYSTEM_UNAVAILABLE = "SystemUnavailable"


class ActionConfigurationPropertyType(_OpenEnum):
    """The type of a custom action's configuration property."""

    STRING = "String"
    NUMBER = "Number"
    BOOLEAN = "Boolean"


# --- enum fields take members or their strings ---------------------------------

E = TypeVar("E", bound=_OpenEnum)


def _as_member(enum_type: type[E], value: object) -> E:
    """The member for a string value (a pseudo-member if unknown).

    Anything else is kept as given, for the field's validator (or the check
    when the model is sent) to refuse with the field's name.
    """
    if isinstance(value, str):
        return enum_type(value)
    return cast("E", value)


def _to_category(value: ActionCategory | str) -> ActionCategory:
    return _as_member(ActionCategory, value)


def _to_owner(value: ActionOwner | str) -> ActionOwner:
    return _as_member(ActionOwner, value)


def _to_optional_owner(value: ActionOwner | str | None) -> ActionOwner | None:
    return None if value is None else _as_member(ActionOwner, value)


def _to_optional_location_type(
    value: ArtifactLocationType | str | None,
) -> ArtifactLocationType | None:
    return None if value is None else _as_member(ArtifactLocationType, value)


def _to_encryption_key_type(value: EncryptionKeyType | str) -> EncryptionKeyType:
    return _as_member(EncryptionKeyType, value)


def _to_optional_status(value: JobStatus | str | None) -> JobStatus | None:
    return None if value is None else _as_member(JobStatus, value)


def _to_failure_type(value: FailureType | str) -> FailureType:
    return _as_member(FailureType, value)


def _to_optional_property_type(
    value: ActionConfigurationPropertyType | str | None,
) -> ActionConfigurationPropertyType | None:
    return None if value is None else _as_member(ActionConfigurationPropertyType, value)


#: The converters of enum fields: identities on members, which is what the
#: converter's structure hooks produce, so it need not call them.
ENUM_CONVERTERS: frozenset[Callable[[Any], Any]] = frozenset(
    {
        _to_category,
        _to_owner,
        _to_optional_owner,
        _to_optional_location_type,
        _to_encryption_key_type,
        _to_optional_status,
        _to_failure_type,
        _to_optional_property_type,
    }
)


# --- helpers -----------------------------------------------------------------

_NAME_PATTERN = r"[0-9A-Za-z_-]+"
_QUERY_VALUE_PATTERN = r"[a-zA-Z0-9_-]+"
_OUTPUT_VARIABLE_KEY_PATTERN = r"[A-Za-z0-9@\-_]+"


# --- shared shapes -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class ActionTypeId:
    """Identifies an action type: category, owner, provider and version.

    Its limits (provider 1-35 and version 1-9 characters of
    ``[0-9A-Za-z_-]``) are checked when it is sent, as part of a poll request.
    """

    category: ActionCategory = attrs.field(converter=_to_category)
    owner: ActionOwner = attrs.field(converter=_to_owner)
    provider: str
    version: str


def _valid_action_type_id(
    instance: object, attribute: attrs.Attribute[ActionTypeId], value: ActionTypeId
) -> None:
    """Check an `ActionTypeId` being sent against the service's limits."""
    if not isinstance(value, ActionTypeId):
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"is a {type(value).__name__}",
            "an ActionTypeId",
        )
    fields = attrs.fields(ActionTypeId)
    _category(value, fields.category, value.category)
    _owner(value, fields.owner, value.owner)
    _provider(value, fields.provider, value.provider)
    _version(value, fields.version, value.version)


_category = v.instance_of(ActionCategory)
_owner = v.instance_of(ActionOwner)
_provider = v.text(1, 35, pattern=_NAME_PATTERN)
_version = v.text(1, 9, pattern=_NAME_PATTERN)


@attrs.frozen(kw_only=True)
class AWSSessionCredentials:
    """Temporary credentials for the job's artifact bucket. Never shown in a repr."""

    access_key_id: str = attrs.field(repr=False)
    secret_access_key: str = attrs.field(repr=False)
    session_token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class ActionConfiguration:
    """The action's configuration. Values may be secret: reprs show keys only."""

    configuration: Mapping[str, str] | None = attrs.field(
        default=None, converter=freeze, repr=redacted
    )


@attrs.frozen(kw_only=True)
class StageContext:
    """The stage the job's action runs in."""

    name: str | None = None


@attrs.frozen(kw_only=True)
class ActionContext:
    """The action the job belongs to."""

    name: str | None = None
    action_execution_id: str | None = None


@attrs.frozen(kw_only=True)
class PipelineContext:
    """The pipeline, stage, action and execution a job belongs to."""

    pipeline_name: str | None = None
    stage: StageContext | None = None
    action: ActionContext | None = None
    pipeline_arn: str | None = None
    pipeline_execution_id: str | None = None


@attrs.frozen(kw_only=True)
class S3ArtifactLocation:
    """An S3 object: bucket and key."""

    bucket_name: str
    object_key: str


@attrs.frozen(kw_only=True)
class ArtifactLocation:
    """Where an artifact is stored."""

    type: ArtifactLocationType | None = attrs.field(
        default=None, converter=_to_optional_location_type
    )
    s3_location: S3ArtifactLocation | None = None


@attrs.frozen(kw_only=True)
class Artifact:
    """An input or output artifact of a job."""

    name: str | None = None
    revision: str | None = None
    location: ArtifactLocation | None = None


@attrs.frozen(kw_only=True)
class EncryptionKey:
    """The key that encrypts the artifact store."""

    id: str
    type: EncryptionKeyType = attrs.field(converter=_to_encryption_key_type)


@attrs.frozen(kw_only=True)
class JobData:
    """What a custom action's job is about: configuration, artifacts, credentials."""

    action_type_id: ActionTypeId | None = None
    action_configuration: ActionConfiguration | None = None
    pipeline_context: PipelineContext | None = None
    input_artifacts: tuple[Artifact, ...] | None = None
    output_artifacts: tuple[Artifact, ...] | None = None
    artifact_credentials: AWSSessionCredentials | None = None
    continuation_token: str | None = None
    encryption_key: EncryptionKey | None = None


@attrs.frozen(kw_only=True)
class ThirdPartyJobData:
    """What a third-party action's job is about (same members as `JobData`)."""

    action_type_id: ActionTypeId | None = None
    action_configuration: ActionConfiguration | None = None
    pipeline_context: PipelineContext | None = None
    input_artifacts: tuple[Artifact, ...] | None = None
    output_artifacts: tuple[Artifact, ...] | None = None
    artifact_credentials: AWSSessionCredentials | None = None
    continuation_token: str | None = None
    encryption_key: EncryptionKey | None = None


@attrs.frozen(kw_only=True)
class Job:
    """A custom action's job, as ``PollForJobs`` hands it out."""

    id: str | None = None
    data: JobData | None = None
    nonce: str | None = None
    account_id: str | None = None


@attrs.frozen(kw_only=True)
class JobDetails:
    """A custom action's job as ``GetJobDetails`` returns it (no nonce)."""

    id: str | None = None
    data: JobData | None = None
    account_id: str | None = None


@attrs.frozen(kw_only=True)
class ThirdPartyJob:
    """A third-party job as polled: only its id and the client it is for."""

    client_id: str | None = None
    job_id: str | None = None


@attrs.frozen(kw_only=True)
class ThirdPartyJobDetails:
    """A third-party job's details (no account id)."""

    id: str | None = None
    data: ThirdPartyJobData | None = None
    nonce: str | None = None


# --- what a worker reports ---------------------------------------------------


@attrs.frozen(kw_only=True)
class CurrentRevision:
    """The revision of the artifact the job worked on."""

    revision: str = attrs.field(validator=v.text(1, 1500))
    change_identifier: str = attrs.field(validator=v.text(1, 100))
    created: datetime | None = attrs.field(
        default=None,
        validator=v.optional(v.instance_of(datetime)),
    )
    revision_summary: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048))
    )


@attrs.frozen(kw_only=True)
class ExecutionDetails:
    """What a job did: a summary, an external id, how far it got."""

    summary: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048))
    )
    external_execution_id: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 1500))
    )
    percent_complete: int | None = attrs.field(
        default=None, validator=v.optional(v.integer(0, 100))
    )


@attrs.frozen(kw_only=True)
class FailureDetails:
    """Why a job failed."""

    type: FailureType = attrs.field(
        converter=_to_failure_type, validator=v.instance_of(FailureType)
    )
    message: str = attrs.field(validator=v.text(1, 5000))
    external_execution_id: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 1500))
    )


# --- requests and responses --------------------------------------------------

_job_id = v.text(1, 512)
_nonce = v.text(1, 50)
_client_token = v.text(1, 256, quote=False)
#: Shared with the handler outcomes, which carry the same members.
valid_continuation_token = v.text(1, 2048, quote=False)
valid_output_variables = v.optional(
    v.string_map(key_pattern=_OUTPUT_VARIABLE_KEY_PATTERN)
)
_continuation_token = v.optional(valid_continuation_token)
_max_batch_size = v.optional(v.integer(1))


@attrs.frozen(kw_only=True)
class PollForJobsInput:
    """Ask for jobs of a custom action type."""

    action_type_id: ActionTypeId = attrs.field(validator=_valid_action_type_id)
    max_batch_size: int | None = attrs.field(default=None, validator=_max_batch_size)
    query_param: Mapping[str, str] | None = attrs.field(
        default=None,
        converter=freeze,
        validator=v.optional(
            v.string_map(
                max_entries=1,
                key_length=(1, 50),
                value_length=(1, 50),
                value_pattern=_QUERY_VALUE_PATTERN,
            )
        ),
    )


@attrs.frozen(kw_only=True)
class PollForJobsOutput:
    """The jobs a poll handed out."""

    jobs: tuple[Job, ...] | None = None


@attrs.frozen(kw_only=True)
class PollForThirdPartyJobsInput:
    """Ask for jobs of a third-party action type."""

    action_type_id: ActionTypeId = attrs.field(validator=_valid_action_type_id)
    max_batch_size: int | None = attrs.field(default=None, validator=_max_batch_size)


@attrs.frozen(kw_only=True)
class PollForThirdPartyJobsOutput:
    """The third-party jobs a poll handed out."""

    jobs: tuple[ThirdPartyJob, ...] | None = None


@attrs.frozen(kw_only=True)
class AcknowledgeJobInput:
    """Claim a polled job with its nonce."""

    job_id: str = attrs.field(validator=_job_id)
    nonce: str = attrs.field(validator=_nonce)


@attrs.frozen(kw_only=True)
class AcknowledgeJobOutput:
    """The job's status after the acknowledgement."""

    status: JobStatus | None = attrs.field(default=None, converter=_to_optional_status)


@attrs.frozen(kw_only=True)
class AcknowledgeThirdPartyJobInput:
    """Claim a third-party job with its nonce and the client token."""

    job_id: str = attrs.field(validator=_job_id)
    nonce: str = attrs.field(validator=_nonce)
    client_token: str = attrs.field(validator=_client_token, repr=False)


@attrs.frozen(kw_only=True)
class AcknowledgeThirdPartyJobOutput:
    """The third-party job's status after the acknowledgement."""

    status: JobStatus | None = attrs.field(default=None, converter=_to_optional_status)


@attrs.frozen(kw_only=True)
class GetJobDetailsInput:
    """Ask for a job's details (and fresh artifact credentials)."""

    job_id: str = attrs.field(validator=_job_id)


@attrs.frozen(kw_only=True)
class GetJobDetailsOutput:
    """A job's details."""

    job_details: JobDetails | None = None


@attrs.frozen(kw_only=True)
class GetThirdPartyJobDetailsInput:
    """Ask for a third-party job's details with the client token."""

    job_id: str = attrs.field(validator=_job_id)
    client_token: str = attrs.field(validator=_client_token, repr=False)


@attrs.frozen(kw_only=True)
class GetThirdPartyJobDetailsOutput:
    """A third-party job's details."""

    job_details: ThirdPartyJobDetails | None = None


def _no_output_variables_with_continuation(
    instance: PutJobSuccessResultInput,
    attribute: attrs.Attribute[Mapping[str, str] | None],
    value: Mapping[str, str] | None,
) -> None:
    if value is not None and instance.continuation_token is not None:
        raise InvalidField(
            "PutJobSuccessResultInput.output_variables",
            "is set together with continuation_token",
            "output variables only on the final result, without a continuation token",
        )


@attrs.frozen(kw_only=True)
class PutJobSuccessResultInput:
    """Report a job's success, or ask to continue it with a continuation token."""

    job_id: str = attrs.field(validator=_job_id)
    current_revision: CurrentRevision | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(CurrentRevision))
    )
    continuation_token: str | None = attrs.field(
        default=None, validator=_continuation_token
    )
    execution_details: ExecutionDetails | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(ExecutionDetails))
    )
    output_variables: Mapping[str, str] | None = attrs.field(
        default=None,
        converter=freeze,
        validator=[valid_output_variables, _no_output_variables_with_continuation],
    )


@attrs.frozen(kw_only=True)
class PutJobFailureResultInput:
    """Report a job's failure."""

    job_id: str = attrs.field(validator=_job_id)
    failure_details: FailureDetails = attrs.field(
        validator=v.instance_of(FailureDetails)
    )


@attrs.frozen(kw_only=True)
class PutThirdPartyJobSuccessResultInput:
    """Report a third-party job's success, or continue it."""

    job_id: str = attrs.field(validator=_job_id)
    client_token: str = attrs.field(validator=_client_token, repr=False)
    current_revision: CurrentRevision | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(CurrentRevision))
    )
    continuation_token: str | None = attrs.field(
        default=None, validator=_continuation_token
    )
    execution_details: ExecutionDetails | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(ExecutionDetails))
    )


@attrs.frozen(kw_only=True)
class PutThirdPartyJobFailureResultInput:
    """Report a third-party job's failure."""

    job_id: str = attrs.field(validator=_job_id)
    client_token: str = attrs.field(validator=_client_token, repr=False)
    failure_details: FailureDetails = attrs.field(
        validator=v.instance_of(FailureDetails)
    )


# --- custom action types -------------------------------------------------------


@attrs.frozen(kw_only=True)
class ArtifactDetails:
    """How many input (or output) artifacts an action type takes, 0 to 5."""

    minimum_count: int
    maximum_count: int


@attrs.frozen(kw_only=True)
class ActionTypeSettings:
    """The links the console shows for an action type.

    Templates may name ``{Config:Name}`` for a required, non-secret property.
    """

    third_party_configuration_url: str | None = None
    entity_url_template: str | None = None
    execution_url_template: str | None = None
    revision_url_template: str | None = None


@attrs.frozen(kw_only=True)
class ActionConfigurationProperty:
    """A configuration property of a custom action type."""

    name: str
    required: bool
    key: bool
    secret: bool
    queryable: bool | None = None
    description: str | None = None
    type: ActionConfigurationPropertyType | None = attrs.field(
        default=None, converter=_to_optional_property_type
    )


@attrs.frozen(kw_only=True)
class ActionType:
    """An action type as the service describes it."""

    id: ActionTypeId
    settings: ActionTypeSettings | None = None
    action_configuration_properties: tuple[ActionConfigurationProperty, ...] | None = (
        None
    )
    input_artifact_details: ArtifactDetails
    output_artifact_details: ArtifactDetails


@attrs.frozen(kw_only=True)
class Tag:
    """A tag on a resource."""

    key: str
    value: str


_URL_TEMPLATE_REFERENCE = re.compile(r"\{Config:([^{}]*)\}")


def _valid_artifact_counts(
    instance: ArtifactDetails, attribute: attrs.Attribute[int], value: int
) -> None:
    if instance.minimum_count > value:
        raise InvalidField(
            f"ArtifactDetails.{attribute.name}",
            f"is {value}, below minimum_count {instance.minimum_count}",
            "maximum_count >= minimum_count",
        )


_artifact_count = v.integer(0, 5)
_valid_artifact_details = v.nested(
    ArtifactDetails,
    minimum_count=_artifact_count,
    maximum_count=attrs.validators.and_(_artifact_count, _valid_artifact_counts),
)
_url = v.optional(v.text(1, 2048))
_valid_settings = v.nested(
    ActionTypeSettings,
    third_party_configuration_url=_url,
    entity_url_template=_url,
    execution_url_template=_url,
    revision_url_template=_url,
)
_valid_property = v.nested(
    ActionConfigurationProperty,
    name=v.text(1, 50),
    required=v.boolean(),
    key=v.boolean(),
    secret=v.boolean(),
    queryable=v.optional(v.boolean()),
    description=v.optional(v.text(1, 160)),
    type=v.optional(v.instance_of(ActionConfigurationPropertyType)),
)
_valid_tag = v.nested(Tag, key=v.text(1, 128), value=v.text(0, 256))


def _unique_names(
    instance: object,
    attribute: attrs.Attribute[tuple[ActionConfigurationProperty, ...]],
    value: tuple[ActionConfigurationProperty, ...],
) -> None:
    names = [prop.name for prop in value]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise InvalidField(
                f"{type(instance).__name__}.{attribute.name}[{index}].name",
                f"repeats {name!r}",
                "unique property names",
            )


def _one_queryable(
    instance: object,
    attribute: attrs.Attribute[tuple[ActionConfigurationProperty, ...]],
    value: tuple[ActionConfigurationProperty, ...],
) -> None:
    where = f"{type(instance).__name__}.{attribute.name}"
    queryable = [i for i, prop in enumerate(value) if prop.queryable]
    if len(queryable) > 1:
        raise InvalidField(
            where, f"has {len(queryable)} queryable properties", "at most one"
        )
    for index in queryable:
        if not value[index].required or value[index].secret:
            raise InvalidField(
                f"{where}[{index}].queryable",
                "is set on a property that is not required or is secret",
                "a queryable property is required and not secret",
            )


def url_template_problems(
    settings: ActionTypeSettings,
    properties: tuple[ActionConfigurationProperty, ...],
) -> list[tuple[str, str]]:
    """The (template field, property name) pairs a template may not reference.

    Templates may name only required, non-secret properties.
    """
    allowed = {prop.name for prop in properties if prop.required and not prop.secret}
    return [
        (field.name, name)
        for field in attrs.fields(ActionTypeSettings)
        if field.name.endswith("_template")
        for name in _URL_TEMPLATE_REFERENCE.findall(getattr(settings, field.name) or "")
        if name not in allowed
    ]


def _templates_name_allowed_properties(
    instance: CreateCustomActionTypeInput,
    attribute: attrs.Attribute[tuple[ActionConfigurationProperty, ...] | None],
    value: tuple[ActionConfigurationProperty, ...] | None,
) -> None:
    # Runs after both fields were checked: settings come first.
    if instance.settings is None:
        return
    for field, name in url_template_problems(instance.settings, value or ()):
        raise InvalidField(
            f"{type(instance).__name__}.settings.{field}",
            f"names {{Config:{name}}}, not a required non-secret property",
            "templates name only required, non-secret properties",
        )


def _properties(
    value: Iterable[ActionConfigurationProperty] | None,
) -> tuple[ActionConfigurationProperty, ...] | None:
    return None if value is None else tuple(value)


def _tags(value: Iterable[Tag] | None) -> tuple[Tag, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen(kw_only=True)
class CreateCustomActionTypeInput:
    """Create a custom action type (owner ``Custom``).

    Checked against the service's rules on construction: provider and version
    lengths, 0-5 artifacts, up to 10 properties with unique names, at most one
    queryable property (required and not secret), URL templates naming only
    required, non-secret properties.
    """

    category: ActionCategory = attrs.field(converter=_to_category, validator=_category)
    provider: str = attrs.field(validator=_provider)
    version: str = attrs.field(validator=_version)
    settings: ActionTypeSettings | None = attrs.field(
        default=None,
        validator=v.optional(_valid_settings),
    )
    configuration_properties: tuple[ActionConfigurationProperty, ...] | None = (
        attrs.field(
            default=None,
            converter=_properties,
            validator=attrs.validators.and_(
                v.optional(
                    attrs.validators.and_(
                        v.each(_valid_property, max_entries=10),
                        _unique_names,
                        _one_queryable,
                    )
                ),
                _templates_name_allowed_properties,
            ),
        )
    )
    input_artifact_details: ArtifactDetails = attrs.field(
        validator=_valid_artifact_details
    )
    output_artifact_details: ArtifactDetails = attrs.field(
        validator=_valid_artifact_details
    )
    tags: tuple[Tag, ...] | None = attrs.field(
        default=None,
        converter=_tags,
        validator=v.optional(v.each(_valid_tag, max_entries=50)),
    )


@attrs.frozen(kw_only=True)
class CreateCustomActionTypeOutput:
    """The action type created, and its tags."""

    action_type: ActionType
    tags: tuple[Tag, ...] | None = None


@attrs.frozen(kw_only=True)
class DeleteCustomActionTypeInput:
    """Delete a version of a custom action type; it cannot be created again."""

    category: ActionCategory = attrs.field(converter=_to_category, validator=_category)
    provider: str = attrs.field(validator=_provider)
    version: str = attrs.field(validator=_version)


@attrs.frozen(kw_only=True)
class ListActionTypesInput:
    """List action types, optionally of one owner; ``next_token`` pages on."""

    action_owner_filter: ActionOwner | None = attrs.field(
        default=None, converter=_to_optional_owner, validator=v.optional(_owner)
    )
    next_token: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048, quote=False))
    )
    region_filter: str | None = attrs.field(
        default=None, validator=v.optional(v.text(4, 30))
    )


@attrs.frozen(kw_only=True)
class ListActionTypesOutput:
    """A page of action types; ``next_token`` is set when more follow."""

    action_types: tuple[ActionType, ...]
    next_token: str | None = None
