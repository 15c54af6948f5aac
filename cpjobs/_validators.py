"""attrs validators for the limits CodePipeline enforces on what a worker sends.

Each raises `InvalidField` naming ``Class.field``, the problem and the limit.
Messages quote a value only where the validator is told it is not secret.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ._errors import InvalidField

T = TypeVar("T")
Validator = Callable[[Any, "attrs.Attribute[T]", T], None]


def _field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def a_type(value: object) -> str:
    """The type of ``value`` with its article: "a str", "an int"."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _check_length(name: str, value: str, min_len: int, max_len: int | None) -> None:
    limit = f"{min_len} to {max_len} characters" if max_len else f">= {min_len}"
    if len(value) < min_len:
        raise InvalidField(name, f"is {len(value)} characters long", limit)
    if max_len is not None and len(value) > max_len:
        raise InvalidField(name, f"is {len(value)} characters long", limit)


def _check_pattern(
    name: str, value: str, pattern: re.Pattern[str], *, quote: bool
) -> None:
    if pattern.fullmatch(value) is None:
        shown = f"{value[:60]!r} " if quote else ""
        raise InvalidField(
            name, f"{shown}has characters outside the pattern", pattern.pattern
        )


def text(
    min_len: int = 1,
    max_len: int | None = None,
    *,
    pattern: str | None = None,
    quote: bool = True,
) -> Validator[str]:
    """A string of ``min_len`` to ``max_len`` characters, matching ``pattern``.

    ``quote=False`` keeps the value out of the message (for secrets).
    """
    compiled = re.compile(pattern) if pattern else None

    longest = max_len if max_len is not None else sys.maxsize

    def validate(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        # Requests are built per job: the field's name is made only to be reported.
        if (
            value.__class__ is str
            and min_len <= len(value) <= longest
            and (compiled is None or compiled.fullmatch(value) is not None)
        ):
            return
        name = _field_name(instance, attribute)
        if not isinstance(value, str):
            raise InvalidField(name, f"is {a_type(value)}", "a string")
        _check_length(name, value, min_len, max_len)
        if compiled is not None:
            _check_pattern(name, value, compiled, quote=quote)

    return validate


def integer(min_value: int, max_value: int | None = None) -> Validator[int]:
    """An int from ``min_value`` to ``max_value`` (inclusive)."""
    limit = (
        f"{min_value} to {max_value}" if max_value is not None else f">= {min_value}"
    )

    highest = max_value if max_value is not None else sys.maxsize

    def validate(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if value.__class__ is int and min_value <= value <= highest:
            return
        name = _field_name(instance, attribute)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidField(name, f"is {a_type(value)}", "an integer")
        if value < min_value or (max_value is not None and value > max_value):
            raise InvalidField(name, f"is {value}", limit)

    return validate


def string_map(
    *,
    max_entries: int | None = None,
    key_length: tuple[int, int] | None = None,
    key_pattern: str | None = None,
    value_length: tuple[int, int] | None = None,
    value_pattern: str | None = None,
) -> Validator[Mapping[str, str]]:
    """A map of strings with limits on its size, keys and values.

    Values are never quoted: they may be secret.
    """
    compiled_key = re.compile(key_pattern) if key_pattern else None
    compiled_value = re.compile(value_pattern) if value_pattern else None

    def validate(
        instance: object,
        attribute: attrs.Attribute[Mapping[str, str]],
        value: Mapping[str, str],
    ) -> None:
        name = _field_name(instance, attribute)
        if max_entries is not None and len(value) > max_entries:
            raise InvalidField(
                name, f"has {len(value)} entries", f"at most {max_entries}"
            )
        # Typed callers cannot get this wrong; untyped ones can.
        entries: Iterable[tuple[object, object]] = value.items()
        for key, item in entries:
            if not isinstance(key, str) or not isinstance(item, str):
                raise InvalidField(
                    name, "has a key or value that is not a string", "strings"
                )
            if key_length is not None:
                _check_length(f"{name} key", key, *key_length)
            if compiled_key is not None:
                _check_pattern(f"{name} key", key, compiled_key, quote=True)
            if value_length is not None:
                _check_length(f"{name}[{key!r}]", item, *value_length)
            if compiled_value is not None:
                _check_pattern(f"{name}[{key!r}]", item, compiled_value, quote=False)

    return validate


def instance_of(cls: type[T]) -> Validator[T]:
    """An instance of ``cls`` (an enum member, a nested model, a datetime)."""

    def validate(instance: object, attribute: attrs.Attribute[T], value: T) -> None:
        if not isinstance(value, cls):
            raise InvalidField(
                _field_name(instance, attribute),
                f"is {a_type(value)}",
                f"an instance of {cls.__name__}",
            )

    return validate


def optional(validator: Validator[T]) -> Validator[T | None]:
    """Run ``validator`` unless the value is ``None``."""

    def validate(
        instance: object, attribute: attrs.Attribute[T | None], value: T | None
    ) -> None:
        if value is not None:
            validator(instance, attribute, value)  # type: ignore[arg-type]

    return validate


def boolean() -> Validator[bool]:
    """A bool (not a truthy string or a number)."""

    def validate(
        instance: object, attribute: attrs.Attribute[bool], value: bool
    ) -> None:
        if not isinstance(value, bool):
            raise InvalidField(
                _field_name(instance, attribute), f"is {a_type(value)}", "a bool"
            )

    return validate


def number(min_value: float, *, above: bool = False) -> Validator[float]:
    """An int or float of at least ``min_value`` (more than it, if ``above``)."""
    limit = f"a number {'>' if above else '>='} {min_value}"

    def validate(
        instance: object, attribute: attrs.Attribute[float], value: float
    ) -> None:
        name = _field_name(instance, attribute)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidField(name, f"is {a_type(value)}", limit)
        if not (value > min_value if above else value >= min_value):
            raise InvalidField(name, f"is {value}", limit)

    return validate


def nested(cls: type[T], **fields: Validator[Any]) -> Validator[T]:
    """An instance of ``cls`` whose named fields pass their validators.

    For shapes that are only checked when they are sent inside a request:
    errors name the path from the request, e.g.
    ``CreateCustomActionTypeInput.input_artifact_details.maximum_count``.
    """
    model: Any = cls
    checks = [
        (field, fields[field.name])
        for field in attrs.fields(model)
        if field.name in fields
    ]

    def validate(instance: object, attribute: attrs.Attribute[T], value: T) -> None:
        name = _field_name(instance, attribute)
        if not isinstance(value, cls):
            raise InvalidField(
                name, f"is {a_type(value)}", f"an instance of {cls.__name__}"
            )
        for field, check in checks:
            try:
                check(value, field, getattr(value, field.name))
            except InvalidField as error:
                inner = error.field.removeprefix(f"{cls.__name__}.")
                raise InvalidField(
                    f"{name}.{inner}", error.problem, error.limit
                ) from None

    return validate


def function(what: str, *, coroutine: bool | None = None) -> Validator[Any]:
    """A callable; ``coroutine`` says whether it must (not) be an async function.

    ``what`` says what is wanted, for the message.
    """

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        name = _field_name(instance, attribute)
        if not callable(value):
            raise InvalidField(name, f"is {a_type(value)}", what)
        if coroutine is not None and is_async_function(value) is not coroutine:
            kind = "an async function" if not coroutine else "not an async function"
            raise InvalidField(name, f"is {kind}", what)

    return validate


def each(validator: Validator[Any], *, max_entries: int) -> Validator[tuple[Any, ...]]:
    """A tuple of at most ``max_entries`` items, each passing ``validator``."""

    def validate(
        instance: object,
        attribute: attrs.Attribute[tuple[Any, ...]],
        value: tuple[Any, ...],
    ) -> None:
        name = _field_name(instance, attribute)
        if not isinstance(value, tuple):
            raise InvalidField(name, f"is {a_type(value)}", "a tuple")
        if len(value) > max_entries:
            raise InvalidField(
                name, f"has {len(value)} entries", f"at most {max_entries}"
            )
        for index, item in enumerate(value):
            try:
                validator(instance, attribute, item)
            except InvalidField as error:
                inner = error.field.removeprefix(name)
                raise InvalidField(
                    f"{name}[{index}]{inner}", error.problem, error.limit
                ) from None

    return validate


def is_async_function(value: object) -> bool:
    """Whether calling ``value`` returns a coroutine: ``async def``, or its partial."""
    return inspect.iscoroutinefunction(value) or inspect.iscoroutinefunction(
        getattr(value, "__call__", None)  # noqa: B004  (an object with async __call__)
    )
