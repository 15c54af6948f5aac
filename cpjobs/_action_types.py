"""Custom action types from a typed spec: check, register, compare, emit.

An `ActionTypeSpec` holds the members of a CreateCustomActionType request and
is checked against the service's rules when it is built, in Python or from a
TOML or JSON file (the request's camelCase members, as ``aws codepipeline
create-custom-action-type --cli-input-json`` takes them). `register_action_type`
is idempotent: an identical type is left alone, and a different definition of
a registered version is refused with the differences, since the service
cannot change a type in place.
"""

from __future__ import annotations

import enum
import json
import re
import tomllib
from collections.abc import Mapping
from contextlib import aclosing
from pathlib import Path
from typing import Any, cast

import attrs
from attrs import AttrsInstance
from cattrs.errors import ForbiddenExtraKeysError

from ._client import JobsClient
from ._converter import converter, make_converter
from ._errors import ActionTypeConflict, InvalidField
from ._models import (
    ActionConfigurationProperty,
    ActionOwner,
    ActionType,
    ActionTypeId,
    ActionTypeSettings,
    CreateCustomActionTypeInput,
)

__all__ = [
    "ActionTypeSpec",
    "Registration",
    "action_type_differences",
    "cloudformation_template",
    "find_action_type",
    "register_action_type",
]

#: Rejects members no field knows: a misspelled key in a spec file is an error.
_STRICT = make_converter(forbid_extra_keys=True)


@attrs.frozen(kw_only=True)
class ActionTypeSpec(CreateCustomActionTypeInput):
    """A custom action type as you mean it to be registered (owner ``Custom``).

    The members of the CreateCustomActionType request, checked on
    construction: provider and version lengths, 0-5 artifacts, up to 10
    properties with unique names, at most one queryable property (required,
    not secret), URL templates naming only required, non-secret properties.
    """

    @property
    def action_type_id(self) -> ActionTypeId:
        """The id of the action type this spec defines."""
        return ActionTypeId(
            category=self.category,
            owner=ActionOwner.CUSTOM,
            provider=self.provider,
            version=self.version,
        )

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = "spec"
    ) -> ActionTypeSpec:
        """A spec from the request's camelCase members (a parsed TOML or JSON file).

        Raises:
            InvalidField: A member is unknown, missing, of the wrong type, or
                breaks a rule; the field names ``source``.
        """
        try:
            return _STRICT.structure(data, cls)
        except InvalidField:
            raise
        except ForbiddenExtraKeysError as error:
            raise InvalidField(
                source,
                f"has unknown members {sorted(error.extra_fields)}",
                "the members of a CreateCustomActionType request",
            ) from None
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidField(
                source,
                _problem(error),
                "the members of a CreateCustomActionType request",
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> ActionTypeSpec:
        """Read a spec from a ``.toml`` or ``.json`` file (blocking: file I/O).

        Raises:
            InvalidField: The file does not parse, or its content is not a valid spec.
            OSError: The file cannot be read.
        """
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        try:
            data = _parse(path.suffix.lower(), text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            raise InvalidField(
                str(path), f"does not parse: {error}", "TOML or JSON"
            ) from None
        if not isinstance(data, Mapping):
            raise InvalidField(
                str(path), "is not a table of members", "a TOML table or JSON object"
            )
        members: Mapping[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
        return cls.from_dict(members, source=str(path))


def _parse(suffix: str, text: str) -> Any:
    if suffix == ".toml":
        return tomllib.loads(text)
    if suffix == ".json":
        return json.loads(text)
    raise InvalidField(f"*{suffix}", "is not a spec file type", ".toml or .json")


def _problem(error: BaseException) -> str:
    """What went wrong structuring a spec, in one line."""
    if isinstance(error, KeyError):
        return str(error.args[0]) if error.args else "a required member is missing"
    return str(error)


class Registration(enum.StrEnum):
    """What `register_action_type` did."""

    CREATED = "created"
    UNCHANGED = "unchanged"


async def find_action_type(
    client: JobsClient, action_type_id: ActionTypeId
) -> ActionType | None:
    """The registered action type with this id, or ``None``."""
    listed = client.action_types(action_owner_filter=action_type_id.owner)
    async with aclosing(listed):
        async for action_type in listed:
            if action_type.id == action_type_id:
                return action_type
    return None


async def register_action_type(
    client: JobsClient, spec: ActionTypeSpec
) -> Registration:
    """Create the action type unless a version with the same definition exists.

    Raises:
        ActionTypeConflict: The version exists with a different definition;
            the service cannot change it, so the new one needs a new version.
    """
    existing = await find_action_type(client, spec.action_type_id)
    if existing is not None:
        differences = action_type_differences(spec, existing)
        if differences:
            raise ActionTypeConflict(
                _describe(spec.action_type_id), differences, _next_version(spec.version)
            )
        return Registration.UNCHANGED
    await client.create_custom_action_type(
        **{
            field.name: getattr(spec, field.name)
            for field in attrs.fields(ActionTypeSpec)
        }
    )
    return Registration.CREATED


def action_type_differences(
    spec: ActionTypeSpec, registered: ActionType
) -> tuple[str, ...]:
    """How a registered action type differs from a spec, one line per member.

    Tags are not part of an action type's definition and are not compared.
    """
    return (
        *_field_differences(
            "settings",
            registered.settings or ActionTypeSettings(),
            spec.settings or ActionTypeSettings(),
        ),
        *_property_differences(
            spec.configuration_properties or (),
            registered.action_configuration_properties or (),
        ),
        *_field_differences(
            "input_artifact_details",
            registered.input_artifact_details,
            spec.input_artifact_details,
        ),
        *_field_differences(
            "output_artifact_details",
            registered.output_artifact_details,
            spec.output_artifact_details,
        ),
    )


def _field_differences(where: str, registered: Any, wanted: Any) -> list[str]:
    """One line per field of two instances of a model that differs."""
    return [
        f"{where}.{field.name}: registered {old!r}, spec {new!r}"
        for field in attrs.fields(cast("type[AttrsInstance]", type(wanted)))
        if (old := getattr(registered, field.name))
        != (new := getattr(wanted, field.name))
    ]


def _normalized(prop: ActionConfigurationProperty) -> ActionConfigurationProperty:
    """The property as the service compares it: not queryable unless said so."""
    return attrs.evolve(prop, queryable=bool(prop.queryable))


def _property_differences(
    wanted: tuple[ActionConfigurationProperty, ...],
    registered: tuple[ActionConfigurationProperty, ...],
) -> list[str]:
    wanted_by_name = {prop.name: _normalized(prop) for prop in wanted}
    registered_by_name = {prop.name: _normalized(prop) for prop in registered}
    differences = [
        f"configuration_properties: {name!r} is registered, not in the spec"
        for name in registered_by_name
        if name not in wanted_by_name
    ]
    for name, prop in wanted_by_name.items():
        old = registered_by_name.get(name)
        if old is None:
            differences.append(
                f"configuration_properties: {name!r} is in the spec, not registered"
            )
        else:
            differences.extend(
                _field_differences(f"configuration_properties[{name!r}]", old, prop)
            )
    return differences


def _describe(action_type_id: ActionTypeId) -> str:
    return (
        f"{action_type_id.category}/{action_type_id.owner}/"
        f"{action_type_id.provider} version {action_type_id.version}"
    )


def _next_version(version: str) -> str:
    """The version after ``version``: its trailing number plus one, or ``2`` appended."""
    match = re.fullmatch(r"(.*?)(\d+)", version)
    if match is None:
        return f"{version}2"[:9]
    prefix, number = match.groups()
    return f"{prefix}{int(number) + 1}"


def cloudformation_template(spec: ActionTypeSpec) -> dict[str, Any]:
    """A CloudFormation template with the spec as an ``AWS::CodePipeline::CustomActionType``."""
    properties = _pascal_case(converter.unstructure(spec))
    logical_id = (
        re.sub(r"[^A-Za-z0-9]", "", f"{spec.provider}{spec.version}") + "ActionType"
    )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            logical_id: {
                "Type": "AWS::CodePipeline::CustomActionType",
                "Properties": properties,
            }
        },
    }


def _pascal_case(value: Any) -> Any:
    """CloudFormation's names for the request's members (``EntityUrlTemplate``)."""
    if isinstance(value, dict):
        members: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
        return {
            key[:1].upper() + key[1:]: _pascal_case(item)
            for key, item in members.items()
        }
    if isinstance(value, list):
        items: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        return [_pascal_case(item) for item in items]
    return value
