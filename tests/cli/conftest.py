"""Run the real ``cpjobs`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cpjobs.testing import CodePipelineEmulator

Run = Callable[..., subprocess.CompletedProcess[str]]


def command_env(**extra: str) -> dict[str, str]:
    """The environment of a command: test credentials, no CPJOBS_ or AWS_ leftovers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CPJOBS_", "AWS_"))
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    env.update(extra)
    return env


def run_cpjobs(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m cpjobs ARGS`` with ``env`` added; waits for it to end."""
    return subprocess.run(
        [sys.executable, "-m", "cpjobs", *map(str, args)],
        capture_output=True,
        text=True,
        env=command_env(**env),
        timeout=120,
        check=False,
    )


@pytest.fixture
def cpjobs_on(emulator: CodePipelineEmulator) -> Run:
    """Run ``cpjobs`` with the emulator's endpoint and region as options."""

    def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        return run_cpjobs(
            *args,
            "--endpoint-url",
            emulator.endpoint_url,
            "--region",
            emulator.region,
            **env,
        )

    return run
