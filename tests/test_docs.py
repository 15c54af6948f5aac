"""The documentation's example machinery, and what the reference must cover."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"

# --- console blocks and % write-file, run through pytest as the pages are ---

#: Sample pages: each example's line and whether it must pass.
PAGES = {
    "commands.md": """\
        # Commands

        % write-file: conf/spec.toml
        ```toml
        category = "Build"
        ```

        ```console
        $ cat conf/spec.toml
        category = "Build"
        $ echo out; echo err >&2
        out
        err
        $ echo one \\
            two
        one two
        $ printf 'a   \\nb\\n\\n\\n'
        a
        b
        $ seq 1 100
        1
        ...
        100
        $ exit 3
        [exit 3]
        $ python -m cpjobs.testing enqueue --action Build/Custom/Docs/1
        {
          "jobId": "..."
        }
        $ cpjobs check --health-file missing
        unhealthy: missing does not exist
        [exit 1]
        ```

        ```python
        import os
        from pathlib import Path

        assert Path("conf/spec.toml").read_text() == 'category = "Build"\\n'
        assert Path.cwd() == workdir
        assert 1 == len(emulator.jobs())
        (workdir / "from-python.txt").write_text("written by Python\\n")
        Path(os.environ["DOCS_PROBE"]).write_text(str(workdir))
        ```

        ```console
        $ cat from-python.txt
        written by Python
        ```
        """,
    "wrong_output.md": """\
        # Wrong output

        ```console
        $ echo hello
        goodbye
        ```
        """,
    "unexpected_exit.md": """\
        # Unexpected exit status

        ```console
        $ echo partial; exit 4
        partial
        ```
        """,
    "missing_exit.md": """\
        # An expected exit status that does not come

        ```console
        $ true
        [exit 2]
        ```
        """,
    "stops_at_first_failure.md": """\
        # A failing command stops its block

        ```console
        $ false
        $ touch ran-on
        ```

        ```console
        $ test ! -e ran-on
        ```
        """,
    "written_file_is_not_run.md": """\
        # A Python file written, not run

        % write-file: worker.py

        ```python
        raise SystemExit("a written file must not run")
        ```

        ```console
        $ python -c "import worker"
        a written file must not run
        [exit 1]
        ```
        """,
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run pytest on the sample pages with the docs' conftest; each example's outcome.

    Keys are ``page.md:LINE``; values ``passed`` or ``failed: message``.
    """
    root = tmp_path_factory.mktemp("pages")
    shutil.copy(DOCS / "conftest.py", root / "conftest.py")
    (root / "pytest.ini").write_text(
        "[pytest]\nfilterwarnings = error\nasyncio_default_fixture_loop_scope = function\n"
    )
    for name, page in PAGES.items():
        (root / name).write_text(textwrap.dedent(page))
    report = root / "report.xml"
    subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:randomly", "-p",
            "no:cacheprovider", f"--junitxml={report}", "-q", str(root),
        ],
        cwd=root,
        env={**os.environ, "DOCS_PROBE": str(root / "probe")},
        capture_output=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    results: dict[str, str] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        page = case.get("classname", "").rpartition(".")[0].rpartition(".")[2]
        line = case.get("name", "").split(",")[0].removeprefix("line:")
        failure = case.find("failure")
        results[f"{page}.md:{line}"] = (
            "passed" if failure is None else f"failed: {failure.get('message')}"
        )
    results["probe"] = (root / "probe").read_text()
    return results


def test_console_commands_share_the_pages_directory_environment_and_emulator(
    outcomes: dict[str, str],
) -> None:
    """Commands see written files, the emulator, the run's cpjobs; Python sees theirs."""
    expected = {
        "commands.md:3": "passed",
        "commands.md:8": "passed",
        "commands.md:35": "passed",
        "commands.md:46": "passed",
    }

    assert expected == {k: v for k, v in outcomes.items() if k.startswith("commands")}


def test_wrong_output_fails_showing_expected_and_got(outcomes: dict[str, str]) -> None:
    """A command whose output differs fails with the command and both outputs."""
    failure = outcomes["wrong_output.md:3"]

    assert "$ echo hello\nExpected:\n    goodbye\nGot:\n    hello\n" in failure


def test_unexpected_exit_status_fails_even_with_the_right_output(
    outcomes: dict[str, str],
) -> None:
    """A non-zero exit with no ``[exit N]`` line fails, naming both statuses."""
    failure = outcomes["unexpected_exit.md:3"]

    assert "$ echo partial; exit 4\nexit status 4, expected 0" in failure


def test_expected_exit_status_that_does_not_come_fails(
    outcomes: dict[str, str],
) -> None:
    """``[exit 2]`` after a command that exits 0 fails."""
    failure = outcomes["missing_exit.md:3"]

    assert "$ true\nexit status 0, expected 2" in failure


def test_a_failing_command_stops_its_block(outcomes: dict[str, str]) -> None:
    """The commands after a failing one do not run; the next block still does."""
    expected = ("failed", "passed")

    actual = (
        outcomes["stops_at_first_failure.md:3"].partition(":")[0],
        outcomes["stops_at_first_failure.md:8"],
    )

    assert expected == actual


def test_written_file_is_written_not_run(outcomes: dict[str, str]) -> None:
    """A Python block after ``% write-file`` lands on disk and is not run by the page."""
    expected = {
        "written_file_is_not_run.md:3": "passed",
        "written_file_is_not_run.md:9": "passed",
    }

    assert expected == {k: v for k, v in outcomes.items() if k.startswith("written")}


def test_working_directory_is_removed_after_its_page(outcomes: dict[str, str]) -> None:
    """A page's working directory is gone once the page has run."""
    workdir = Path(outcomes["probe"])

    assert (True, False) == (workdir.name.startswith("cpjobs-docs-"), workdir.exists())
