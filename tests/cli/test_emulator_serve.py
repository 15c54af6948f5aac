"""``cpjobs emulator serve``: the emulator as a process, until SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

from .conftest import command_env, run_cpjobs


def test_serve_answers_until_sigterm() -> None:
    """The served emulator answers the cpjobs command; SIGTERM ends it with 0."""
    with subprocess.Popen(
        [sys.executable, "-m", "cpjobs", "emulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=command_env(),
    ) as server:
        try:
            assert server.stdout is not None
            endpoint = server.stdout.readline().strip()
            listed = run_cpjobs(
                "action-type",
                "list",
                "--endpoint-url",
                endpoint,
                "--region",
                "us-east-1",
            )
        finally:
            server.send_signal(signal.SIGTERM)
            status = server.wait(timeout=60)

    assert (True, 0, "", 0) == (
        endpoint.startswith("http://127.0.0.1:"),
        listed.returncode,
        listed.stdout,
        status,
    )
