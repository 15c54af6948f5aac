"""``cpjobs check``: the health check of a worker's heartbeat file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .conftest import run_cpjobs


def heartbeat(tmp_path: Path, age: float) -> Path:
    """A heartbeat file last touched ``age`` seconds ago."""
    path = tmp_path / "heartbeat"
    path.touch()
    touched = time.time() - age
    os.utime(path, (touched, touched))
    return path


class TestCheck:
    def test_fresh_file_is_healthy(self, tmp_path: Path) -> None:
        """A file touched within --max-age exits 0."""
        path = heartbeat(tmp_path, age=0)

        result = run_cpjobs("check", "--health-file", path, "--max-age", "30")

        assert (0, "") == (result.returncode, result.stderr)

    def test_stale_file_is_unhealthy(self, tmp_path: Path) -> None:
        """A file older than --max-age exits 1 and says how old it is."""
        path = heartbeat(tmp_path, age=120)

        result = run_cpjobs("check", "--health-file", path, "--max-age", "30")

        assert (1, True) == (result.returncode, "last touched 12" in result.stderr)

    def test_missing_file_is_unhealthy(self, tmp_path: Path) -> None:
        """No heartbeat file yet (or any more) exits 1."""
        result = run_cpjobs("check", "--health-file", tmp_path / "none")

        assert (1, True) == (result.returncode, "does not exist" in result.stderr)

    def test_options_come_from_the_environment(self, tmp_path: Path) -> None:
        """CPJOBS_HEALTH_FILE and CPJOBS_MAX_AGE set what the options would."""
        path = heartbeat(tmp_path, age=120)

        healthy = run_cpjobs(
            "check", CPJOBS_HEALTH_FILE=str(path), CPJOBS_MAX_AGE="300"
        )
        overridden = run_cpjobs(
            "check",
            "--max-age",
            "30",
            CPJOBS_HEALTH_FILE=str(path),
            CPJOBS_MAX_AGE="300",
        )

        assert (0, 1) == (healthy.returncode, overridden.returncode)

    def test_health_file_is_required(self) -> None:
        """Without a health file there is nothing to check: exit code 3."""
        result = run_cpjobs("check")

        assert (3, True) == (
            result.returncode,
            "--health-file (or CPJOBS_HEALTH_FILE) is required" in result.stderr,
        )
