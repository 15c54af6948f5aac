"""The public surface: what `import cpjobs` offers."""

from __future__ import annotations

import importlib.metadata

import pytest

import cpjobs


class TestPublicNames:
    def test_all_is_sorted_and_resolves(self) -> None:
        """__all__ is sorted and every name in it exists."""
        assert sorted(cpjobs.__all__) == cpjobs.__all__
        assert [] == [name for name in cpjobs.__all__ if not hasattr(cpjobs, name)]

    def test_public_classes_belong_to_the_package(self) -> None:
        """Public classes show as cpjobs.X in reprs and tracebacks."""
        classes = [
            obj
            for name in cpjobs.__all__
            if isinstance(obj := getattr(cpjobs, name), type)
        ]

        assert [] == [cls for cls in classes if cls.__module__ != "cpjobs"]

    def test_version_comes_from_the_distribution(self) -> None:
        """cpjobs.__version__ is the installed distribution's version."""
        assert importlib.metadata.version("cpjobs") == cpjobs.__version__

    def test_unknown_attribute_is_an_attribute_error(self) -> None:
        """Misspelled names fail as usual."""
        with pytest.raises(AttributeError, match="JobWorkr"):
            cpjobs.JobWorkr  # type: ignore[attr-defined]  # noqa: B018
