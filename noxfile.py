"""Project automation: ``python -m nox`` runs what CI runs."""

from __future__ import annotations

import os

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "typing", "lint"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = os.environ.get("CPJOBS_PYTHON")  # None: the Python running nox


def install_groups(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install dependency groups and the project (built, not editable)."""
    requirements = [
        requirement
        for group in groups
        for requirement in nox.project.dependency_groups(PYPROJECT, group)
        if not requirement.startswith("cpjobs")
    ]
    session.install(*([".[testing]"] if project else []), *requirements)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite under coverage, against the installed package."""
    install_groups(session, "tests")
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
