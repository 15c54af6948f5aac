"""The pytest plugin's fixtures, loaded through the installed entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from emulator_helpers import BUILD

from cpjobs.testing import CodePipelineEmulator

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


def run_strictly(directory: Path, tests: str, env: dict[str, str] | None = None) -> str:
    """Run ``tests`` with pytest in a fresh process; return its summary line."""
    (directory / "pytest.ini").write_text(INI)
    (directory / "test_inner.py").write_text(textwrap.dedent(tests))
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )
    return completed.stdout.strip().splitlines()[-1]


def test_emulator_is_the_session_emulator(
    emulator: CodePipelineEmulator, codepipeline_emulator: CodePipelineEmulator
) -> None:
    """The function-scoped ``emulator`` is the session's emulator."""
    assert codepipeline_emulator is emulator


def test_plugin_imports_no_moto() -> None:
    """Loading the plugin module imports neither moto nor boto3."""
    code = (
        "import sys, cpjobs.testing._plugin; "
        "print(sorted(m for m in ('moto', 'boto3') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert "[]" == output.strip()


def test_fixtures_isolate_tests(tmp_path: Path) -> None:
    """Jobs, faults and clock of a test, passed or failed, are gone in the next."""
    summary = run_strictly(
        tmp_path,
        """
        import boto3
        from cpjobs import ActionCategory, ActionOwner, ActionTypeId

        BUILD = ActionTypeId(
            category=ActionCategory.BUILD,
            owner=ActionOwner.CUSTOM,
            provider="Iso",
            version="1",
        )
        seen = []

        def test_dirty(emulator):
            seen.append(emulator.endpoint_url)
            emulator.enqueue_job(BUILD)
            emulator.inject_fault("ListActionTypes", count=10)
            emulator.advance_clock(10_000)

        def test_clean(emulator):
            seen.append(emulator.endpoint_url)
            client = boto3.client(
                "codepipeline",
                region_name=emulator.region,
                endpoint_url=emulator.endpoint_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            try:
                listed = client.list_action_types()["actionTypes"]
            finally:
                client.close()
            assert () == emulator.jobs()
            assert [] == listed
            assert 1 == len(set(seen))

        def test_fails(emulator):
            emulator.enqueue_job(BUILD)
            assert False

        def test_after_failure(emulator):
            assert () == emulator.jobs()

        async def test_jobs_client(emulator, jobs_client):
            job_id = emulator.enqueue_job(BUILD)
            output = await jobs_client.poll_for_jobs(action_type_id=BUILD)
            assert [job_id] == [job.id for job in output.jobs]
        """,
    )

    assert summary.startswith("1 failed, 4 passed")


def test_reset_forgets_jobs_and_action_types(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """reset() forgets jobs and registered action types."""
    emulator.enqueue_job(BUILD)

    emulator.reset()

    assert ((), []) == (
        emulator.jobs(),
        codepipeline.list_action_types()["actionTypes"],
    )


def test_fixtures_ignore_the_users_aws_configuration(tmp_path: Path) -> None:
    """A missing profile, broken config files and odd variables change nothing."""
    broken = tmp_path / "broken-config"
    broken.write_text("[profile\nnot = an ini file\n")
    summary = run_strictly(
        tmp_path,
        """
        from cpjobs import ActionCategory, ActionOwner, ActionTypeId

        BUILD = ActionTypeId(
            category=ActionCategory.BUILD,
            owner=ActionOwner.CUSTOM,
            provider="Shell",
            version="1",
        )

        async def test_jobs_client_and_artifacts(emulator, jobs_client):
            job_id = emulator.enqueue_job(
                BUILD, input_artifacts={"In": b"bytes"}, encryption_key=True
            )
            output = await jobs_client.poll_for_jobs(action_type_id=BUILD)
            assert [job_id] == [job.id for job in output.jobs]
            assert b"bytes" == emulator.read_artifact(job_id, "In")
        """,
        env={
            "AWS_PROFILE": "doesnotexist",
            "AWS_DEFAULT_PROFILE": "doesnotexist",
            "AWS_CONFIG_FILE": str(broken),
            "AWS_SHARED_CREDENTIALS_FILE": str(broken),
            "AWS_DEFAULT_REGION": "not a region",
            "AWS_REGION": "not a region",
            "AWS_MAX_ATTEMPTS": "many",
            "AWS_RETRY_MODE": "sometimes",
            "AWS_CA_BUNDLE": str(tmp_path / "no-such-bundle.pem"),
        },
    )

    assert summary.startswith("1 passed")
