"""Project automation: ``python -m nox`` runs what CI runs.

The tests run on every supported Python that can be found (3.11, 3.12, 3.13);
typing and lint run once, on the Python running nox. A missing interpreter
is reported and skipped, on CI too: a machine with only 3.11 still runs the
whole suite there, and the summary says which versions were skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "typing", "lint", "docs"]
# Decided on purpose: nox errors on missing interpreters when CI is set; here
# a missing one is skipped with a message, and nothing is downloaded.
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"

PYPROJECT = nox.project.load_toml("pyproject.toml")
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]
PYTHON = os.environ.get("CPJOBS_PYTHON")  # None: the Python running nox
TEST_PYTHONS = [PYTHON] if PYTHON else SUPPORTED_PYTHONS
#: Where links to interpreters nox would not find on PATH are kept.
INTERPRETER_LINKS = Path(".nox", "interpreters")


def _works(command: str) -> bool:
    """Whether ``command`` runs a Python (a pyenv shim of an inactive version fails)."""
    try:
        result = subprocess.run(
            [command, "-c", "pass"], capture_output=True, timeout=30, check=False
        )
    except OSError:
        return False
    return result.returncode == 0


def _pyenv_install(version: str) -> Path | None:
    """The newest pyenv-installed ``pythonX.Y``, active in pyenv or not."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [
        path
        for path in root.glob(f"versions/{version}.*/bin/python{version}")
        if path.parent.parent.name.removeprefix(f"{version}.").isdigit()
    ]
    return max(
        candidates, key=lambda p: int(p.parent.parent.name.split(".")[2]), default=None
    )


def _expose_interpreters(versions: list[str]) -> list[str]:
    """Put ``pythonX.Y`` on PATH for versions that are installed but hidden.

    pyenv's shims answer only for the versions pyenv has active, so nox would
    miss the others (or pick a shim that fails); link the installed binaries
    into one directory on PATH instead. Versions not installed stay missing.

    Returns:
        The versions found, in the order given.
    """
    found: list[str] = []
    links: dict[str, Path] = {}
    for version in versions:
        command = shutil.which(f"python{version}")
        if command is not None and _works(command):
            found.append(version)
            continue
        installed = _pyenv_install(version)
        if installed is not None:
            found.append(version)
            links[f"python{version}"] = installed
    if not links:
        return found
    INTERPRETER_LINKS.mkdir(parents=True, exist_ok=True)
    for name, target in links.items():
        link = INTERPRETER_LINKS / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    os.environ["PATH"] = os.pathsep.join(
        [str(INTERPRETER_LINKS.resolve()), os.environ.get("PATH", "")]
    )
    return found


FOUND_PYTHONS = _expose_interpreters(TEST_PYTHONS)
#: Coverage is measured once, on the oldest version found: the code is the
#: same on each, and measuring costs time. Found none here: measure on each.
COVERAGE_PYTHON = FOUND_PYTHONS[0] if FOUND_PYTHONS else None


def install_groups(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install dependency groups and the project (built, not editable)."""
    requirements = [
        requirement
        for group in groups
        for requirement in nox.project.dependency_groups(PYPROJECT, group)
        if not requirement.startswith("cpjobs")
    ]
    session.install(*([".[testing]"] if project else []), *requirements)


@nox.session(python=TEST_PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the installed package (under coverage once)."""
    install_groups(session, "tests")
    if COVERAGE_PYTHON not in (None, session.python):
        session.run("pytest", *session.posargs)
        return
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine", success_codes=[0, 1])
    session.run("coverage", "report", "--fail-under=90")


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """mypy --strict and pyright strict over cpjobs/ and the typed usage file."""
    install_groups(session, "typing")
    session.run("mypy", "--strict", "cpjobs", "tests/typing")
    session.run("pyright", "cpjobs", "tests/typing")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    install_groups(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning (a broken reference too) fails it."""
    install_groups(session, "docs")
    session.run(
        "sphinx-build", "-W", "-n", "--keep-going", "-b", "html",
        "docs", "docs/_build/html", *session.posargs,
    )  # fmt: skip


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo worker on the embedded emulator."""
    session.install(".[testing]")
    session.run("python", "-m", "cpjobs", "demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks; they print ratios."""
    install_groups(session, "bench")
    session.run("python", "benchmarks/bench_converter.py")
    session.run("python", "benchmarks/bench_worker.py")
    session.run("python", "benchmarks/bench_lambda_import.py")
