"""Backoff: exponential ceilings with full jitter."""

from __future__ import annotations

import random

import pytest

import cpjobs


class TestBackoff:
    def test_ceilings_double_up_to_the_maximum(self) -> None:
        """The n-th ceiling is initial * multiplier**n, capped at the maximum."""
        backoff = cpjobs.Backoff(initial=0.5, maximum=3.0, multiplier=2.0)

        assert [0.5, 1.0, 2.0, 3.0, 3.0] == [backoff.ceiling(n) for n in range(5)]

    def test_huge_attempts_do_not_overflow(self) -> None:
        """Far past the maximum, the ceiling stays the maximum."""
        backoff = cpjobs.Backoff(multiplier=1e10)

        assert [20.0, 20.0] == [backoff.ceiling(64), backoff.ceiling(10**6)]

    def test_delays_are_jittered_within_the_ceiling(self) -> None:
        """Delays are spread over [0, ceiling], not all at the ceiling."""
        backoff = cpjobs.Backoff(initial=4.0, maximum=4.0)
        rng = random.Random(1)

        delays = [backoff.delay(0, rng) for _ in range(200)]

        assert all(0.0 <= d <= 4.0 for d in delays)
        assert (True, True) == (min(delays) < 1.0, max(delays) > 3.0)

    @pytest.mark.parametrize("field", ["initial", "maximum", "multiplier"])
    def test_non_positive_settings_are_refused(self, field: str) -> None:
        """Each setting must be positive."""
        with pytest.raises(cpjobs.InvalidField, match=f"Backoff.{field}"):
            cpjobs.Backoff(**{field: 0})

    def test_shrinking_multiplier_is_refused(self) -> None:
        """A multiplier under 1 would shorten an idle worker's waits: refused."""
        with pytest.raises(cpjobs.InvalidField, match=r"Backoff\.multiplier: is 0\.5"):
            cpjobs.Backoff(multiplier=0.5)

    def test_maximum_below_initial_is_refused(self) -> None:
        """A maximum under the first wait is refused, naming both."""
        with pytest.raises(
            cpjobs.InvalidField, match=r"Backoff\.maximum: is 1\.0 \(limit: >= initial"
        ):
            cpjobs.Backoff(initial=2.0, maximum=1.0)

    def test_number_settings_must_be_numbers(self) -> None:
        """A string for a wait is refused with a message that reads well."""
        with pytest.raises(cpjobs.InvalidField, match="is a str"):
            cpjobs.Backoff(initial="1")  # type: ignore[arg-type]
