"""`FrozenMap`: the read-only maps inside models (configuration, variables)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FrozenMap", "freeze", "redacted"]


class FrozenMap(Mapping[str, str]):
    """A read-only, hashable, picklable copy of a map of strings.

    Models hold maps as these, so a frozen model stays hashable and can be
    pickled or deep-copied (to a process pool, say).
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, str]) -> None:
        self._data = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)  # pyright: ignore[reportUnknownArgumentType]
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


def freeze(mapping: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """A `FrozenMap` copy of ``mapping``; ``None`` stays ``None``."""
    if mapping is None or type(mapping) is FrozenMap:
        return mapping
    return FrozenMap(mapping)


def redacted(mapping: Mapping[str, str] | None) -> str:
    """Show a map's keys, never its values (they may be secret)."""
    if mapping is None:
        return "None"
    return "{" + ", ".join(f"{key!r}: '***'" for key in mapping) + "}"
