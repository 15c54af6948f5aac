"""The command itself: entry points, bad arguments, settings from the environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cpjobs.testing import CodePipelineEmulator

from .conftest import command_env, run_cpjobs


class TestEntryPoints:
    def test_console_script_runs(self) -> None:
        """The installed ``cpjobs`` script is the same command."""
        script = Path(sys.executable).with_name("cpjobs")

        result = subprocess.run(
            [script, "--help"],
            capture_output=True,
            text=True,
            env=command_env(),
            timeout=120,
            check=False,
        )

        assert (0, True) == (result.returncode, "exit codes:" in result.stdout)

    def test_python_m_cpjobs_names_itself(self) -> None:
        """``python -m cpjobs`` shows that name in its usage line."""
        result = run_cpjobs("--help")

        assert result.stdout.startswith("usage: python -m cpjobs")

    def test_a_closed_pipe_ends_quietly(self) -> None:
        """The output's reader went away (``| head``): exit 141, no error message."""
        command = [sys.executable, "-m", "cpjobs", "action-type", "events"]
        command += ["--action", "Build/Custom/MyTool/1"]
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=command_env(),
        ) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            process.stdout.close()  # before the command writes anything
            errors = process.stderr.read()
            status = process.wait(timeout=120)

        assert (141, b"") == (status, errors)


class TestBadArguments:
    def test_unknown_command_is_one_line_and_exit_2(self) -> None:
        """An unknown command is refused in one line, with the usage exit code."""
        result = run_cpjobs("nope")

        assert (2, 1, True) == (
            result.returncode,
            len(result.stderr.splitlines()),
            "invalid choice: 'nope'" in result.stderr,
        )

    def test_malformed_action_type_id_is_one_line(self) -> None:
        """An action type id that is not four parts is named in one line."""
        result = run_cpjobs("action-type", "show", "Test/Lint")

        assert (2, ["python -m cpjobs action-type show: error: argument"]) == (
            result.returncode,
            [line.split(" CATEGORY/")[0] for line in result.stderr.splitlines()],
        )
        assert "'Test/Lint' is not CATEGORY/OWNER/PROVIDER/VERSION" in result.stderr

    def test_action_type_id_limits_are_checked(self) -> None:
        """A provider longer than the service allows is refused before any call."""
        result = run_cpjobs("action-type", "show", f"Test/Custom/{'p' * 36}/1")

        assert (2, True) == (
            result.returncode,
            "ActionTypeId.provider: is 36 characters long" in result.stderr,
        )

    def test_bad_environment_value_is_a_configuration_error(self) -> None:
        """A CPJOBS_ variable that does not parse names itself; exit code 3."""
        result = run_cpjobs("check", CPJOBS_MAX_AGE="soon")

        assert (3, "python -m cpjobs: configuration error: CPJOBS_MAX_AGE='soon'") == (
            result.returncode,
            result.stderr.split(": 'soon'")[0],
        )


class TestLogs:
    def test_verbose_json_logs_name_the_operation(
        self, emulator: CodePipelineEmulator
    ) -> None:
        """-vv --log-format json writes cpjobs' debug records as JSON lines."""
        result = run_cpjobs(
            "action-type",
            "list",
            "-vv",
            "--log-format",
            "json",
            "--endpoint-url",
            emulator.endpoint_url,
            "--region",
            emulator.region,
        )

        entries = [json.loads(line) for line in result.stderr.splitlines()]
        assert (0, [("DEBUG", "cpjobs", "ListActionTypes")]) == (
            result.returncode,
            [
                (e["level"], e["logger"], e["operation"])
                for e in entries
                if e["logger"].startswith("cpjobs")
            ],
        )

    def test_quiet_by_default(self, emulator: CodePipelineEmulator) -> None:
        """Without -v nothing below a warning is logged."""
        result = run_cpjobs(
            "action-type",
            "list",
            "--endpoint-url",
            emulator.endpoint_url,
            "--region",
            emulator.region,
        )

        assert (0, "") == (result.returncode, result.stderr)

    def test_unknown_log_level_is_one_line(self) -> None:
        """A log level that is not one of logging's is refused in one line."""
        result = run_cpjobs("check", "--log-level", "loud")

        assert (2, 1) == (result.returncode, len(result.stderr.splitlines()))
