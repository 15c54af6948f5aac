"""What a test asks `CodePipelineEmulator.enqueue_job` for, checked where it is given.

A job queued with a configuration value that is not a string, or with
``output_artifacts="Out"``, would fail later and far away (in the worker's
poll, or as three artifacts ``O``, ``u``, ``t``). `JobRequest` checks each
argument against what a pipeline could hold and raises `cpjobs.InvalidField`
naming the argument, e.g. ``enqueue_job.configuration``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar, cast

import attrs

from .. import _validators as v
from .._errors import InvalidField
from .._models import (
    ActionTypeId,
    PollForJobsInput,
    S3ArtifactLocation,
    valid_continuation_token,
)

__all__ = ["MAX_ARTIFACTS", "JobRequest", "checked", "checked_registration"]

T = TypeVar("T")
#: Custom actions take at most five input and five output artifacts.
MAX_ARTIFACTS: Final = 5
_UUID: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: The service model's ArtifactName, PipelineName, StageName and ActionName.
_artifact_name = v.text(1, 100, pattern=r"[a-zA-Z0-9_\-]+")
_pipeline_name = v.text(1, 100, pattern=r"[A-Za-z0-9.@\-_]+")


def _action_type_id(
    instance: object, attribute: attrs.Attribute[ActionTypeId], value: ActionTypeId
) -> None:
    """An `ActionTypeId` within the limits a poll for it would be held to."""
    try:
        PollForJobsInput(action_type_id=value)
    except InvalidField as error:
        field = error.field.replace(
            "PollForJobsInput.action_type_id",
            f"{type(instance).__name__}.{attribute.name}",
            1,
        )
        raise InvalidField(field, error.problem, error.limit) from None


def _a_mapping(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if not isinstance(value, Mapping):
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"is a {type(value).__name__}",
            "a mapping",
        )


_configuration_strings = v.string_map(key_length=(1, 50), value_length=(1, 1000))


def _configuration(
    instance: object,
    attribute: attrs.Attribute[Mapping[str, str]],
    value: Mapping[str, str],
) -> None:
    """Configuration keys and values: strings, as a pipeline holds them."""
    _a_mapping(instance, attribute, value)
    _configuration_strings(instance, attribute, value)


def _artifact_contents(
    instance: object,
    attribute: attrs.Attribute[Mapping[str, bytes | S3ArtifactLocation]],
    value: Mapping[str, bytes | S3ArtifactLocation],
) -> None:
    """Artifact names to their bytes, or to an object already in S3."""
    _a_mapping(instance, attribute, value)
    name = f"{type(instance).__name__}.{attribute.name}"
    _names(instance, attribute, list(value))
    contents = cast("Mapping[object, object]", value)
    for key, content in contents.items():
        if not isinstance(content, (bytes, bytearray, S3ArtifactLocation)):
            raise InvalidField(
                f"{name}[{key!r}]",
                f"is a {type(content).__name__}",
                "bytes or an S3ArtifactLocation",
            )


def _artifact_names(
    instance: object, attribute: attrs.Attribute[Sequence[str]], value: Sequence[str]
) -> None:
    """A sequence of artifact names: not a single string."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"is a {type(value).__name__}",
            "a sequence of artifact names, e.g. ['BuildArtifact']",
        )
    _names(instance, attribute, list(value))


def _names(instance: object, attribute: attrs.Attribute[Any], names: list[Any]) -> None:
    field = f"{type(instance).__name__}.{attribute.name}"
    if len(names) > MAX_ARTIFACTS:
        raise InvalidField(
            field, f"has {len(names)} artifacts", f"at most {MAX_ARTIFACTS}"
        )
    for index, name in enumerate(names):
        try:
            _artifact_name(instance, attribute, name)
        except InvalidField as error:
            raise InvalidField(
                f"{field}[{index}]", error.problem, error.limit
            ) from None
    if len(set(names)) != len(names):
        raise InvalidField(field, "names an artifact twice", "unique names")


def _outputs_not_inputs(
    instance: JobRequest,
    attribute: attrs.Attribute[Sequence[str]],
    value: Sequence[str],
) -> None:
    both = sorted(set(value) & set(instance.input_artifacts or {}))
    if both:
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"names the input artifact {both[0]!r}",
            "names that no input artifact has",
        )


@attrs.frozen(kw_only=True)
class JobRequest:
    """The arguments of one ``enqueue_job`` or ``enqueue_third_party_job`` call."""

    action_type_id: ActionTypeId = attrs.field(validator=_action_type_id)
    configuration: Mapping[str, str] | None = attrs.field(
        repr=False, validator=v.optional(_configuration)
    )
    input_artifacts: Mapping[str, bytes | S3ArtifactLocation] | None = attrs.field(
        repr=False, validator=v.optional(_artifact_contents)
    )
    output_artifacts: Sequence[str] = attrs.field(
        validator=[_artifact_names, _outputs_not_inputs]
    )
    continuation_token: str | None = attrs.field(
        repr=False, validator=v.optional(valid_continuation_token)
    )
    encryption_key: bool = attrs.field(validator=v.instance_of(bool))
    pipeline_name: str = attrs.field(validator=_pipeline_name)
    stage_name: str | None = attrs.field(validator=v.optional(_pipeline_name))
    action_name: str | None = attrs.field(validator=v.optional(_pipeline_name))
    #: A UUID in CodePipeline; any short id is taken, for readable tests.
    pipeline_execution_id: str | None = attrs.field(
        validator=v.optional(v.text(1, 100))
    )
    client_id: str | None = attrs.field(
        default=None, validator=v.optional(v.text(36, 36, pattern=_UUID))
    )


def _arguments_of(method: str, cls: type[T], **arguments: Any) -> T:
    """Build ``cls``; an error names the argument of ``method``, not the class."""
    try:
        return cls(**arguments)
    except InvalidField as error:
        field = error.field.replace(f"{cls.__name__}.", f"{method}.", 1)
        raise InvalidField(field, error.problem, error.limit) from None


def checked(method: str, **arguments: Any) -> JobRequest:
    """The arguments of ``enqueue_job`` or ``enqueue_third_party_job``, checked."""
    return _arguments_of(method, JobRequest, **arguments)


@attrs.frozen(kw_only=True)
class _Registration:
    action_type_id: ActionTypeId = attrs.field(validator=_action_type_id)
    queryable_property: str | None = attrs.field(validator=v.optional(v.text(1, 50)))


def checked_registration(
    action_type_id: ActionTypeId, queryable_property: str | None
) -> None:
    """Check the arguments of ``register_action_type``."""
    _arguments_of(
        "register_action_type",
        _Registration,
        action_type_id=action_type_id,
        queryable_property=queryable_property,
    )
