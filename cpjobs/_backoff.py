"""Exponential backoff with full jitter, for polling and for retrying reports."""

from __future__ import annotations

import random

import attrs

from . import _validators as v
from ._errors import InvalidField

__all__ = ["Backoff"]


def _at_least_initial(
    instance: Backoff, attribute: attrs.Attribute[float], value: float
) -> None:
    if value < instance.initial:
        raise InvalidField(
            "Backoff.maximum", f"is {value}", f">= initial ({instance.initial})"
        )


@attrs.frozen(kw_only=True)
class Backoff:
    """How long to wait after the n-th consecutive miss: full jitter.

    The n-th delay (n counted from 0) is drawn uniformly from
    ``[0, min(maximum, initial * multiplier ** n)]``, so many workers that
    miss at once do not come back at once (AWS's "full jitter").

    The defaults suit polling CodePipeline: a quarter second after the first
    empty poll keeps a busy worker responsive, and 20 seconds at most keeps
    an idle fleet well under the service's request quotas while a new job
    waits 10 seconds on average.
    """

    initial: float = attrs.field(default=0.25, validator=v.number(0, above=True))
    maximum: float = attrs.field(
        default=20.0, validator=[v.number(0, above=True), _at_least_initial]
    )
    #: At least 1, so the waits of an idle worker never shrink.
    multiplier: float = attrs.field(default=2.0, validator=v.number(1))

    def ceiling(self, attempt: int) -> float:
        """The largest delay the ``attempt``-th consecutive miss may draw."""
        try:
            return min(self.maximum, self.initial * self.multiplier**attempt)
        except OverflowError:  # far past the maximum
            return self.maximum

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """A jittered delay for the ``attempt``-th consecutive miss."""
        return (rng or random).uniform(0.0, self.ceiling(attempt))
