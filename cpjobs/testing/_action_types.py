"""Action types as CodePipeline keeps them: definitions, queryable properties, deletion.

The shapes are those of botocore's service model (``ActionType``,
``ActionConfigurationProperty``, ...) as frozen attrs classes; the cpjobs
converter maps them to and from the wire like the job models. `ActionTypes`
holds the registered and the deleted definitions and applies the service's
rules: a definition cannot change in place, a deleted version comes back
only with the identical definition, at most one property is queryable (and
it is required and not secret), and a poll's ``queryParam`` names exactly
the queryable property.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs
from cattrs import Converter

from .. import _validators as v
from .._converter import make_converter
from .._errors import InvalidField
from .._models import ActionCategory, ActionOwner, ActionTypeId

__all__ = [
    "QUERYABLE_VALUE_MAX",
    "ActionConfigurationProperty",
    "ActionType",
    "ActionTypeRuleError",
    "ActionTypeSettings",
    "ActionTypes",
    "ArtifactDetails",
    "CreateCustomActionTypeInput",
    "CreateCustomActionTypeOutput",
    "DeleteCustomActionTypeInput",
    "ListActionTypesOutput",
    "Tag",
    "configuration_problem",
    "custom_action_type",
    "default_action_type",
    "describe",
    "make_wire_converter",
]

#: A queryable property's value in a pipeline: at most 20 of these characters.
QUERYABLE_VALUE_MAX: Final = 20
QUERYABLE_VALUE_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]+")
_CONFIG_REFERENCE: Final = re.compile(r"\{Config:([^}]*)\}")


def _structure_bool(value: object, _: object) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"value: expected a boolean, got {type(value).__name__}")


def make_wire_converter() -> Converter:
    """Cpjobs's converter, plus the booleans action type definitions hold.

    The job-worker shapes have no boolean member, so `cpjobs.converter` has
    no hook for them (``bool`` would fall to its strict ``int`` hook).
    """
    conv = make_converter()
    conv.register_structure_hook(bool, _structure_bool)
    return conv


class ActionTypeRuleError(Exception):
    """A request breaks one of the service's rules on action types."""


def describe(action_type_id: ActionTypeId) -> str:
    """``Category/Owner/Provider/Version``, the way the action type is shown."""
    return "/".join(
        (
            action_type_id.category.value,
            action_type_id.owner.value,
            action_type_id.provider,
            action_type_id.version,
        )
    )


@attrs.frozen(kw_only=True)
class ArtifactDetails:
    """How many input or output artifacts an action takes."""

    minimum_count: int = attrs.field(validator=v.integer(0, 5))
    maximum_count: int = attrs.field(validator=v.integer(0, 5))


@attrs.frozen(kw_only=True)
class ActionTypeSettings:
    """The URLs shown for an action type."""

    third_party_configuration_url: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048))
    )
    entity_url_template: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048))
    )
    execution_url_template: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048))
    )
    revision_url_template: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 2048))
    )


@attrs.frozen(kw_only=True)
class ActionConfigurationProperty:
    """One configuration property of an action type."""

    name: str = attrs.field(validator=v.text(1, 50))
    required: bool
    key: bool
    secret: bool
    queryable: bool | None = None
    description: str | None = attrs.field(
        default=None, validator=v.optional(v.text(1, 160))
    )
    type: str | None = attrs.field(
        default=None,
        validator=v.optional(v.text(1, pattern="String|Number|Boolean")),
    )


@attrs.frozen(kw_only=True)
class Tag:
    """A tag on an action type."""

    key: str = attrs.field(validator=v.text(1, 128))
    value: str = attrs.field(validator=v.text(0, 256))


def _at_most_ten(
    instance: object,
    attribute: attrs.Attribute[tuple[ActionConfigurationProperty, ...] | None],
    value: tuple[ActionConfigurationProperty, ...] | None,
) -> None:
    if value is not None and len(value) > 10:
        raise InvalidField(
            f"{type(instance).__name__}.{attribute.name}",
            f"has {len(value)} items",
            "at most 10",
        )


@attrs.frozen(kw_only=True)
class CreateCustomActionTypeInput:
    """A CreateCustomActionType request."""

    category: ActionCategory
    provider: str
    version: str
    settings: ActionTypeSettings | None = None
    configuration_properties: tuple[ActionConfigurationProperty, ...] | None = (
        attrs.field(default=None, validator=_at_most_ten)
    )
    input_artifact_details: ArtifactDetails
    output_artifact_details: ArtifactDetails
    tags: tuple[Tag, ...] | None = None


@attrs.frozen(kw_only=True)
class DeleteCustomActionTypeInput:
    """A DeleteCustomActionType request."""

    category: ActionCategory
    provider: str
    version: str


@attrs.frozen(kw_only=True)
class ActionType:
    """A registered action type's definition."""

    id: ActionTypeId
    settings: ActionTypeSettings | None = None
    action_configuration_properties: tuple[ActionConfigurationProperty, ...] | None = (
        None
    )
    input_artifact_details: ArtifactDetails
    output_artifact_details: ArtifactDetails

    @property
    def queryable_property(self) -> str | None:
        """The name of the queryable property, if the type has one."""
        for prop in self.action_configuration_properties or ():
            if prop.queryable:
                return prop.name
        return None


@attrs.frozen(kw_only=True)
class CreateCustomActionTypeOutput:
    """What CreateCustomActionType answers."""

    action_type: ActionType
    tags: tuple[Tag, ...] | None = None


@attrs.frozen(kw_only=True)
class ListActionTypesOutput:
    """What ListActionTypes answers."""

    action_types: tuple[ActionType, ...]


_ANY_ARTIFACTS: Final = ArtifactDetails(minimum_count=0, maximum_count=5)


def default_action_type(
    action_type_id: ActionTypeId, *, queryable_property: str | None = None
) -> ActionType:
    """A definition for a type registered from Python: 0-5 artifacts each way."""
    properties = (
        None
        if queryable_property is None
        else (
            ActionConfigurationProperty(
                name=queryable_property,
                required=True,
                key=True,
                secret=False,
                queryable=True,
                type="String",
            ),
        )
    )
    return ActionType(
        id=action_type_id,
        action_configuration_properties=properties,
        input_artifact_details=_ANY_ARTIFACTS,
        output_artifact_details=_ANY_ARTIFACTS,
    )


def custom_action_type(request: CreateCustomActionTypeInput) -> ActionType:
    """The definition a CreateCustomActionType request asks for, checked."""
    properties = request.configuration_properties or ()
    queryable = [prop for prop in properties if prop.queryable]
    if len(queryable) > 1:
        raise ActionTypeRuleError(
            "At most one configuration property can be queryable, "
            f"found {len(queryable)}"
        )
    for prop in queryable:
        if not prop.required or prop.secret:
            raise ActionTypeRuleError(
                f"The queryable configuration property {prop.name} must be "
                "required and not secret"
            )
    names = [prop.name for prop in properties]
    if len(set(names)) != len(names):
        raise ActionTypeRuleError("Configuration property names must be unique")
    for details, which in (
        (request.input_artifact_details, "inputArtifactDetails"),
        (request.output_artifact_details, "outputArtifactDetails"),
    ):
        if details.minimum_count > details.maximum_count:
            raise ActionTypeRuleError(
                f"{which}: minimumCount is more than maximumCount"
            )
    _check_url_templates(request.settings, properties)
    return ActionType(
        id=ActionTypeId(
            category=request.category,
            owner=ActionOwner.CUSTOM,
            provider=request.provider,
            version=request.version,
        ),
        settings=request.settings,
        action_configuration_properties=request.configuration_properties,
        input_artifact_details=request.input_artifact_details,
        output_artifact_details=request.output_artifact_details,
    )


def _check_url_templates(
    settings: ActionTypeSettings | None,
    properties: tuple[ActionConfigurationProperty, ...],
) -> None:
    """``{Config:Name}`` may name only required, non-secret properties."""
    if settings is None:
        return
    usable = {prop.name for prop in properties if prop.required and not prop.secret}
    for template in attrs.astuple(settings):
        for name in _CONFIG_REFERENCE.findall(template or ""):
            if name not in usable:
                raise ActionTypeRuleError(
                    f"URL templates can only reference required, non-secret "
                    f"configuration properties: {name} is not one"
                )


def configuration_problem(
    action_type: ActionType, configuration: Mapping[str, str]
) -> str | None:
    """What is wrong with a job's configuration for its type, if anything."""
    for prop in action_type.action_configuration_properties or ():
        value = configuration.get(prop.name)
        if value is None:
            if prop.required:
                return f"has no value for the required property {prop.name!r}"
            continue
        if prop.queryable and (
            len(value) > QUERYABLE_VALUE_MAX
            or QUERYABLE_VALUE_PATTERN.fullmatch(value) is None
        ):
            return (
                f"has a value for the queryable property {prop.name!r} that is "
                f"not 1 to {QUERYABLE_VALUE_MAX} characters of "
                f"{QUERYABLE_VALUE_PATTERN.pattern}"
            )
    return None


class ActionTypes:
    """Registered and deleted action types. Not thread-safe: the service locks."""

    def __init__(self) -> None:
        self._active: dict[ActionTypeId, ActionType] = {}
        self._deleted: dict[ActionTypeId, ActionType] = {}

    def clear(self) -> None:
        """Forget every action type, deleted ones too."""
        self._active.clear()
        self._deleted.clear()

    def get(self, action_type_id: ActionTypeId) -> ActionType | None:
        """The registered (not deleted) definition of a type."""
        return self._active.get(action_type_id)

    def ensure(self, action_type: ActionType) -> ActionType:
        """Register a definition unless its type is registered; return the type's."""
        return self._active.setdefault(action_type.id, action_type)

    def create(self, action_type: ActionType) -> ActionType:
        """Register a definition, as CreateCustomActionType does.

        The identical definition again is accepted (and restores a deleted
        version); another definition of an existing or deleted version is not.
        """
        type_id = action_type.id
        existing = self._active.get(type_id) or self._deleted.get(type_id)
        if existing is not None and existing != action_type:
            state = "was deleted" if type_id in self._deleted else "already exists"
            raise ActionTypeRuleError(
                f"Action type {describe(type_id)} {state} with another "
                "definition; a changed definition needs a new version"
            )
        self._deleted.pop(type_id, None)
        self._active[type_id] = action_type
        return action_type

    def delete(self, action_type_id: ActionTypeId) -> None:
        """Mark a type deleted; its version can come back only as it was."""
        action_type = self._active.pop(action_type_id, None)
        if action_type is not None:
            self._deleted[action_type_id] = action_type

    def listed(self, owner: ActionOwner | None) -> tuple[ActionType, ...]:
        """The registered types, of one owner or of all."""
        return tuple(
            t for t in self._active.values() if owner is None or t.id.owner == owner
        )
