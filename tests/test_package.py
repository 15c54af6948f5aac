"""The public surface: what `import cpjobs` offers, and what it loads."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import cpjobs


def _names_for_type_checkers() -> dict[str, str]:
    """Each name imported under ``TYPE_CHECKING`` in cpjobs, and its module."""
    tree = ast.parse(inspect.getsource(cpjobs))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    return {
        alias.name: f"cpjobs.{node.module}"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def _modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(result.stdout.split())


class TestPublicNames:
    def test_all_is_sorted_and_resolves(self) -> None:
        """__all__ is sorted and every name in it exists."""
        assert sorted(cpjobs.__all__) == cpjobs.__all__
        assert [] == [name for name in cpjobs.__all__ if not hasattr(cpjobs, name)]

    def test_type_checkers_see_every_public_name(self) -> None:
        """The imports under TYPE_CHECKING are exactly the names of __all__."""
        assert cpjobs.__all__ == sorted(_names_for_type_checkers())

    def test_names_are_what_type_checkers_see(self) -> None:
        """cpjobs.X is the object type checkers read from its private module."""
        differing = [
            name
            for name, module in _names_for_type_checkers().items()
            if getattr(cpjobs, name)
            is not getattr(importlib.import_module(module), name)
        ]

        assert [] == differing

    def test_every_name_imports_in_a_fresh_interpreter(self) -> None:
        """`from cpjobs import X` works for each name, the first access included."""
        statement = "\n".join(f"from cpjobs import {name}" for name in cpjobs.__all__)

        loaded = _modules_after(statement)

        assert {"cpjobs._lambda", "cpjobs._worker"} <= loaded

    def test_public_classes_belong_to_the_package(self) -> None:
        """Public classes show as cpjobs.X in reprs and tracebacks."""
        classes = [
            obj
            for name in cpjobs.__all__
            if isinstance(obj := getattr(cpjobs, name), type)
        ]

        assert [] == [cls for cls in classes if cls.__module__ != "cpjobs"]

    def test_classes_loaded_along_belong_to_the_package(self) -> None:
        """An error class loaded with the adapter, not looked up, shows as cpjobs.X."""
        code = (
            "from cpjobs import lambda_handler\n"
            "from cpjobs._errors import InvalidEvent\n"
            "print(InvalidEvent.__module__)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

        assert "cpjobs" == result.stdout.strip()

    def test_dir_lists_every_public_name(self) -> None:
        """dir(cpjobs) offers the names not loaded yet, for completion."""
        assert [] == [name for name in cpjobs.__all__ if name not in dir(cpjobs)]

    def test_version_comes_from_the_distribution(self) -> None:
        """cpjobs.__version__ is the installed distribution's version."""
        assert importlib.metadata.version("cpjobs") == cpjobs.__version__

    def test_unknown_attribute_is_an_attribute_error(self) -> None:
        """Misspelled names fail as usual."""
        with pytest.raises(AttributeError, match="JobWorkr"):
            cpjobs.JobWorkr  # type: ignore[attr-defined]  # noqa: B018

    def test_unknown_name_fails_to_import(self) -> None:
        """`from cpjobs import` a misspelled name is an ImportError naming it."""
        with pytest.raises(ImportError, match="JobWorkr"):
            exec("from cpjobs import JobWorkr", {})


class TestWhatLoads:
    def test_import_loads_no_private_module(self) -> None:
        """`import cpjobs` alone loads none of the package's modules."""
        loaded = _modules_after("import cpjobs")

        assert set() == {name for name in loaded if name.startswith("cpjobs.")}

    def test_lambda_handler_loads_only_what_an_invocation_needs(self) -> None:
        """The Lambda adapter loads no artifact, archive, CLI or emulator code."""
        not_needed = {
            "cpjobs._action_types",
            "cpjobs._archive",
            "cpjobs._artifacts",
            "cpjobs._cli",
            "cpjobs._demo",
            "cpjobs._logging",
            "cpjobs._run",
            "cpjobs._supervisor",
            "cpjobs._worker",
            "cpjobs.testing",
            "moto",
            "tarfile",
        }

        loaded = _modules_after("from cpjobs import lambda_handler")

        assert set() == not_needed & loaded
        assert "cpjobs._lambda" in loaded

    def test_health_check_loads_no_aws_client(self, tmp_path: Path) -> None:
        """`cpjobs check`, run every few seconds by a probe, loads no client code."""
        health_file = tmp_path / "alive"
        health_file.touch()
        not_needed = {
            "aiobotocore",
            "cattrs",
            "cpjobs._action_types",
            "cpjobs._client",
            "cpjobs._converter",
            "cpjobs._worker",
        }

        loaded = _modules_after(
            "from cpjobs._cli import main\n"
            f"assert 0 == main(['check', '--health-file', {str(health_file)!r}])"
        )

        assert set() == not_needed & loaded
