"""``python -m cpjobs demo`` runs end to end."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from cpjobs.__main__ import main
from cpjobs._demo import run_demo


async def test_demo_reports_the_broken_job() -> None:
    """The demo works its jobs, fails the corrupt one, prints a summary, exits 0."""
    out = io.StringIO()

    status = await run_demo(jobs=4, concurrency=2, out=out)

    text = out.getvalue()
    assert 0 == status
    assert "succeeded      3" in text
    assert "failed         1" in text
    assert "message: BadArchive: artifact 'Source': not a valid zip archive" in text


def test_cli_rejects_unknown_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """The command line needs a known command."""
    with pytest.raises(SystemExit) as exit_:
        main(["nope"])

    assert 2 == exit_.value.code
    assert "invalid choice" in capsys.readouterr().err


def test_python_m_cpjobs_demo_exits_0() -> None:
    """``python -m cpjobs demo``, the README's first command, runs end to end."""
    result = subprocess.run(
        [sys.executable, "-m", "cpjobs", "demo", "--jobs", "6", "--concurrency", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert 0 == result.returncode, result.stderr
    assert "succeeded      5" in result.stdout
    assert (
        "message: BadArchive: artifact 'Source': not a valid zip archive"
        in result.stdout
    )
