"""The cattrs converter between cpjobs models and botocore's wire dicts.

The wire is what aiobotocore takes and returns: camelCase keys, `datetime`
timestamps, lists, plain strings for enums. The converter owns all of it; the
models know none of it.

Structuring responses is a worker's hot path, so model hooks are generated
here rather than by `cattrs.gen.make_dict_structure_fn`: each field's hook is
resolved once, when the model's hook is made; string checks are inlined; an
optional member costs one ``dict.get`` and a ``None`` test; the model is built
with one keyword call. That is what brings a full `Job` below pydantic v2
(see ``benchmarks/bench_converter.py``). Unstructuring (requests, a cold path)
uses cattrs' generator with renames and ``None`` omitted.
"""

from __future__ import annotations

import enum
import linecache
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar, get_args

import attrs
from cattrs import Converter
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models import (
    ENUM_CONVERTERS,
    ActionCategory,
    ActionConfigurationPropertyType,
    ActionOwner,
    ArtifactLocationType,
    EncryptionKeyType,
    FailureType,
    JobStatus,
)

__all__ = ["converter", "make_converter", "wire_misfit", "wire_name"]

T = TypeVar("T")
StructureHook = Callable[[Any, Any], Any]

ENUMS: tuple[type[enum.Enum], ...] = (
    ActionCategory,
    ActionConfigurationPropertyType,
    ActionOwner,
    ArtifactLocationType,
    EncryptionKeyType,
    FailureType,
    JobStatus,
)


def wire_name(field_name: str) -> str:
    """The camelCase member name botocore uses for a snake_case field name."""
    head, *rest = field_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --- leaf hooks ----------------------------------------------------------------


def _wrong_type(where: str, value: object, expected: str) -> NoReturn:
    raise TypeError(f"{where}: expected {expected}, got {type(value).__name__}")


def _as_str(value: Any, where: str = "value") -> str:
    """Accept a str (or subclass, made plain); refuse anything else, None included."""
    if isinstance(value, str):
        return str(value)
    _wrong_type(where, value, "a string")


def _structure_str(value: Any, _: Any) -> str:
    if value.__class__ is str:
        return value
    return _as_str(value)


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    _wrong_type("value", value, "an integer")


def _structure_bool(value: Any, _: Any) -> bool:
    if value is True or value is False:
        return value
    _wrong_type("value", value, "a boolean")


def _structure_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # AWS timestamps are UTC; a string without an offset is taken as UTC.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    _wrong_type("value", value, "a datetime, an ISO 8601 string or epoch seconds")


def _enum_structure_hook(enum_type: type[enum.Enum]) -> StructureHook:
    """Structure a wire string to its member, or to a pseudo-member if unknown."""
    known = enum_type._value2member_map_

    def structure_enum(value: Any, _: Any) -> Any:
        if value.__class__ is str:
            member = known.get(value)
            if member is not None:
                return member
        return enum_type(_as_str(value, enum_type.__name__))

    return structure_enum


def _structure_string_map(value: Any, _: Any) -> Mapping[str, str]:
    # botocore answers dicts: the abstract check is for the rest.
    if value.__class__ is not dict and not isinstance(value, Mapping):
        _wrong_type("value", value, "a map")
    entries: Mapping[object, object] = value  # pyright: ignore[reportUnknownVariableType]
    for key, item in entries.items():
        if not isinstance(key, str):
            _wrong_type("map key", key, "a string")
        if not isinstance(item, str):
            _wrong_type(f"map value of {key!r}", item, "a string")
    # The model field's converter makes the read-only copy.
    return value  # pyright: ignore[reportUnknownVariableType]


# --- type inspection -------------------------------------------------------------


def _is_enum(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, enum.Enum)


def _is_optional(type_: Any) -> bool:
    args = get_args(type_)
    return len(args) == 2 and type(None) in args


def _without_none(type_: Any) -> Any:
    return next(arg for arg in get_args(type_) if arg is not type(None))


def _origin(type_: Any) -> Any:
    return getattr(type_, "__origin__", None)


# --- model hooks -------------------------------------------------------------------


class _StructureHooks:
    """Resolves the hook of each type once, for generated model hooks to call."""

    def __init__(self, converter: Converter, *, forbid_extra_keys: bool) -> None:
        self._converter = converter
        self._forbid_extra_keys = forbid_extra_keys

    def for_type(self, type_: Any) -> StructureHook:
        if _is_enum(type_):
            return _enum_structure_hook(type_)
        if _origin(type_) is tuple:
            return self._tuple(get_args(type_)[0])
        if _origin(type_) is Mapping:
            return _structure_string_map
        return self._converter.get_structure_hook(type_)

    def _tuple(self, item_type: Any) -> StructureHook:
        item = self.for_type(item_type)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, (list, tuple)):
                _wrong_type("value", value, "a list")
            return tuple([item(element, item_type) for element in value])  # pyright: ignore[reportUnknownVariableType]

        return structure_tuple

    def for_model(self, cls: type[Any]) -> StructureHook:
        """Generate the structure hook of an attrs model class."""
        attrs.resolve_types(cls)
        if not _fits_generated_hook(cls):
            return self._cattrs_hook(cls)
        name = cls.__name__
        fields = attrs.fields(cls)
        namespace: dict[str, Any] = {
            "__cl": cls,
            "__new": object.__new__,
            "__as_str": _as_str,
            "__missing": _missing_member,
            "__extra_keys": _extra_keys,
            "__known": frozenset(wire_name(f.name) for f in fields),
        }
        body = ["get = o.get"]
        if self._forbid_extra_keys:
            body.append("if not __known.issuperset(o): __extra_keys(__cl, __known, o)")
        for field in fields:
            body.extend(self._field_lines(name, field, namespace))
        if _can_skip_init(cls):
            body.extend(_set_slots_lines(cls, namespace))
        else:
            arguments = ", ".join(f"{f.name}=v_{f.name}" for f in fields)
            body.append(f"return __cl({arguments})")
        source = "\n".join(
            [f"def structure_{name}(o, _=None):"] + [f"    {line}" for line in body]
        )
        filename = f"<cpjobs structure {name}>"
        # Tracebacks show the generated lines.
        linecache.cache[filename] = (
            len(source),
            None,
            source.splitlines(True),
            filename,
        )
        exec(compile(source, filename, "exec"), namespace)
        return namespace[f"structure_{name}"]  # type: ignore[no-any-return]

    def _cattrs_hook(self, cls: type[Any]) -> StructureHook:
        """Let cattrs generate the hook of a model the fast path does not fit."""
        renames: dict[str, Any] = {
            field.name: override(rename=wire_name(field.name))
            for field in attrs.fields(cls)
        }
        return make_dict_structure_fn(
            cls,
            self._converter,
            _cattrs_forbid_extra_keys=self._forbid_extra_keys,
            **renames,
        )

    def _field_lines(
        self, model_name: str, field: attrs.Attribute[Any], namespace: dict[str, Any]
    ) -> list[str]:
        key = wire_name(field.name)
        var = f"v_{field.name}"
        optional = _is_optional(field.type)
        type_: Any = _without_none(field.type) if optional else field.type
        lines = [f"{var} = get({key!r})"]
        present = f"{var} is not None"
        if not optional:
            lines.append(f"if {var} is None: __missing(__cl, {key!r})")
        if type_ is str:
            where = f"{model_name}.{key}"
            check = f"{var}.__class__ is not str"
            condition = f"{present} and {check}" if optional else check
            lines.append(f"if {condition}: {var} = __as_str({var}, {where!r})")
        else:
            namespace[f"__h_{field.name}"] = self.for_type(type_)
            namespace[f"__t_{field.name}"] = type_
            call = f"__h_{field.name}({var}, __t_{field.name})"
            if _is_enum(type_):
                # A known member costs a dict lookup, not a call.
                namespace[f"__members_{field.name}"] = type_._value2member_map_
                known = f"__members_{field.name}.get({var})"
                call = f"({known} if {var}.__class__ is str else None) or {call}"
            lines.append(
                f"if {present}: {var} = {call}" if optional else f"{var} = {call}"
            )
        return lines


def _fits_generated_hook(cls: type[Any]) -> bool:
    """Whether the fast hook applies: fields are required or default to None."""
    return all(
        f.init
        and f.alias == f.name
        and (f.default is attrs.NOTHING) is not _is_optional(f.type)
        and f.default in (None, attrs.NOTHING)
        for f in attrs.fields(cls)
    )


def _can_skip_init(cls: type[Any]) -> bool:
    """Whether instances may be built without ``__init__``.

    True for slotted models with no validators and plain-function converters:
    the response shapes. ``__init__`` of a frozen attrs class sets each field
    through ``object.__setattr__``, the largest cost of structuring a `Job`;
    setting the slots directly halves it. Models that validate (what users
    build) always go through ``__init__``.
    """
    fields = attrs.fields(cls)
    return (
        not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        # Each field a slot of this very class, no validator, plain converter.
        and all(
            f.name in cls.__dict__
            and f.validator is None
            and not isinstance(f.converter, attrs.Converter)
            for f in fields
        )
    )


def _set_slots_lines(cls: type[Any], namespace: dict[str, Any]) -> list[str]:
    """Lines that build the instance by setting its slots, converters applied."""
    lines = ["o = __new(__cl)"]
    for field in attrs.fields(cls):
        value = f"v_{field.name}"
        # An enum field's hook already made the member.
        if field.converter is not None and field.converter not in ENUM_CONVERTERS:
            namespace[f"__convert_{field.name}"] = field.converter
            value = f"__convert_{field.name}({value})"
        namespace[f"__set_{field.name}"] = cls.__dict__[field.name].__set__
        lines.append(f"__set_{field.name}(o, {value})")
    lines.append("return o")
    return lines


def _missing_member(cls: type[Any], key: str) -> NoReturn:
    raise KeyError(f"{cls.__name__}: required member {key!r} is missing")


def _extra_keys(
    cls: type[Any], known: frozenset[str], wire: Mapping[str, Any]
) -> NoReturn:
    raise ForbiddenExtraKeysError(
        f"{cls.__name__}: unknown members {sorted(set(wire) - known)}",
        cls,
        set(wire) - known,
    )


def _unstructure_enum(member: enum.Enum) -> Any:
    return member._value_


def _unstructure_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    return dict(mapping)


def make_converter(*, forbid_extra_keys: bool = False) -> Converter:
    """Build a converter between cpjobs models and botocore's wire dicts.

    Args:
        forbid_extra_keys: Reject wire members no model field knows. Off in
            `converter`, because AWS adds members; tests turn it on to catch
            drift between the models and botocore's service model.
    """
    conv = Converter(unstruct_collection_overrides={tuple: list})

    # Leaf hooks first: generated hooks capture the hooks that exist.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, lambda value: value)
    # Each enum by its class: they subclass str, and str's hook would take them.
    for enum_type in ENUMS:
        conv.register_structure_hook(enum_type, _enum_structure_hook(enum_type))
        conv.register_unstructure_hook(enum_type, _unstructure_enum)
    conv.register_unstructure_hook_func(
        lambda t: _origin(t) is Mapping or t is Mapping, _unstructure_mapping
    )

    hooks = _StructureHooks(conv, forbid_extra_keys=forbid_extra_keys)

    def unstructure_model(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        attrs.resolve_types(cls)
        renames: dict[str, Any] = {
            field.name: override(rename=wire_name(field.name))
            for field in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(
            cls, conv, _cattrs_omit_if_default=True, **renames
        )

    conv.register_structure_hook_factory(attrs.has, hooks.for_model)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_model)
    return conv


def _kind(value: object) -> str:
    """What a wire value is, in JSON's words; never the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def wire_misfit(value: Any, type_: Any, path: str) -> tuple[str, str] | None:
    """Where and why ``value`` does not structure as ``type_``; ``None`` if it does.

    The slow, path-keeping twin of the generated hooks, for explaining a
    failure after the fact: ``("job.data.inputArtifacts[0].name", "is a
    number, not a string")``. Unknown members and nulls in optional members
    fit, as they do for the hooks. Problems never quote a value.
    """
    if value is None:
        return None if _is_optional(type_) else (path, "is missing")
    if _is_optional(type_):
        type_ = _without_none(type_)
    if attrs.has(type_):
        if not isinstance(value, Mapping):
            return path, f"is {_kind(value)}, not an object"
        members: Mapping[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
        for field in attrs.fields(attrs.resolve_types(type_)):
            key = wire_name(field.name)
            found = wire_misfit(members.get(key), field.type, f"{path}.{key}")
            if found is not None:
                return found
        return None
    if _origin(type_) is tuple:
        if not isinstance(value, (list, tuple)):
            return path, f"is {_kind(value)}, not a list"
        items: list[Any] = list(value)  # pyright: ignore[reportUnknownArgumentType]
        item_type = get_args(type_)[0]
        for index, item in enumerate(items):
            found = wire_misfit(item, item_type, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if _origin(type_) is Mapping:
        if not isinstance(value, Mapping):
            return path, f"is {_kind(value)}, not an object"
        entries: Mapping[object, object] = value  # pyright: ignore[reportUnknownVariableType]
        for name, item in entries.items():
            if not isinstance(item, str):
                return f"{path}.{name}", f"is {_kind(item)}, not a string"
        return None
    if (type_ is str or _is_enum(type_)) and not isinstance(value, str):
        return path, f"is {_kind(value)}, not a string"
    return None


#: The converter cpjobs uses: ``converter.structure(wire, Job)`` and
#: ``converter.unstructure(model)``.
converter: Converter = make_converter()
