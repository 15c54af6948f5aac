"""Starting the emulator: serve(), aserve() and ``python -m cpjobs.testing serve``."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
import threading

import boto3
import pytest
from aiobotocore.session import get_session
from emulator_helpers import BUILD, BUILD_WIRE, NO_RETRIES

from cpjobs.testing import CodePipelineEmulator


def test_serve_binds_loopback_and_stops_cleanly() -> None:
    """serve() listens on 127.0.0.1 and leaves no thread behind."""
    before = set(threading.enumerate())
    with CodePipelineEmulator.serve(region="eu-west-1") as emulator:
        endpoint, region = emulator.endpoint_url, emulator.region
        client = boto3.client(
            "codepipeline",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRIES,
        )
        try:
            client.list_action_types()
        finally:
            client.close()

    assert endpoint.startswith("http://127.0.0.1:")
    assert "eu-west-1" == region
    assert set() == set(threading.enumerate()) - before


def test_endpoint_url_needs_a_running_emulator() -> None:
    """endpoint_url outside serve() is a RuntimeError."""
    with pytest.raises(RuntimeError, match="not running"):
        _ = CodePipelineEmulator().endpoint_url


def test_stop_ends_kept_alive_connections() -> None:
    """Stopping the emulator ends connections a client still keeps open."""
    before = set(threading.enumerate())
    with CodePipelineEmulator.serve() as emulator:
        client = boto3.client(
            "codepipeline",
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRIES,
        )
        client.list_action_types()
    client.close()

    assert set() == set(threading.enumerate()) - before


async def test_aserve_runs_the_emulator() -> None:
    """aserve() starts and stops the emulator without blocking the loop."""
    async with CodePipelineEmulator.aserve() as emulator:
        emulator.enqueue_job(BUILD)
        async with get_session().create_client(
            "codepipeline",
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRIES,
        ) as client:
            answer = await client.poll_for_jobs(actionTypeId=BUILD_WIRE)

    assert 1 == len(answer["jobs"])


def test_command_line_serves_until_terminated() -> None:
    """``python -m cpjobs.testing serve`` prints its URL, serves, stops on SIGTERM."""
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cpjobs.testing",
            "serve",
            "--port",
            "0",
            "--region",
            "us-west-2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            endpoint = process.stdout.readline().strip()
            client = boto3.client(
                "codepipeline",
                region_name="us-west-2",
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=NO_RETRIES,
            )
            try:
                client.create_custom_action_type(
                    category="Build",
                    provider="Cli",
                    version="1",
                    inputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
                    outputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
                )
                listed = client.list_action_types(actionOwnerFilter="Custom")
            finally:
                client.close()
        finally:
            process.terminate()
            returncode = process.wait(timeout=30)

    assert endpoint.startswith("http://127.0.0.1:")
    assert ["Cli"] == [t["id"]["provider"] for t in listed["actionTypes"]]
    assert 0 == returncode


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        pytest.param(["--port", "99999"], "'99999' is not a port", id="port high"),
        pytest.param(["--port", "-1"], "'-1' is not a port", id="port negative"),
        pytest.param(["--port", "http"], "'http' is not a port", id="port word"),
        pytest.param(
            ["--region", "not a region"],
            "'not a region' is not a region name",
            id="region",
        ),
    ],
)
def test_command_line_refuses_bad_arguments(
    arguments: list[str], complaint: str
) -> None:
    """Serve exits with status 2 and says which argument is wrong."""
    completed = subprocess.run(
        [sys.executable, "-m", "cpjobs.testing", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert 2 == completed.returncode
    assert complaint in completed.stderr


def test_emulator_refuses_a_bad_region() -> None:
    """CodePipelineEmulator(region=...) must be given a region name."""
    with pytest.raises(ValueError, match="is not a region name"):
        CodePipelineEmulator(region="US East")


def test_port_in_use_is_an_os_error(capfd: pytest.CaptureFixture[str]) -> None:
    """serve() on a port something else holds raises OSError, printing nothing."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        with (
            pytest.raises(OSError, match="in use") as raised,
            CodePipelineEmulator.serve(port=port),
        ):
            pass

    assert errno.EADDRINUSE == raised.value.errno
    assert ("", "") == capfd.readouterr()
