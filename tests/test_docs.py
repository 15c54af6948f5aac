"""The documentation's example machinery, and what the reference must cover."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import cpjobs
import cpjobs.testing
from cpjobs import _cli, _errors

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
    "write_file_without_block.md": """\
        # % write-file with nothing to write

        % write-file: notes.txt

        Some prose instead of a fenced block.
        """,
    "text_before_a_command.md": """\
        # A console block that does not start with a command

        ```console
        Run this:
        $ true
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

    Keys are ``page.md:LINE`` (``page.md`` for the page's collection); values
    ``passed``, ``failed: message`` or ``error: message``.
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
            "no:cacheprovider", "--continue-on-collection-errors",
            f"--junitxml={report}", "-q", str(root),
        ],
        cwd=root,
        env={**os.environ, "DOCS_PROBE": str(root / "probe")},
        capture_output=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    results: dict[str, str] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        error = case.find("error")
        if error is not None:
            results[case.get("name", "")] = f"error: {error.text}"
            continue
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


def test_write_file_without_a_block_fails_the_page_naming_the_line(
    outcomes: dict[str, str],
) -> None:
    """A ``% write-file`` comment not followed by a fenced block stops the page."""
    error = outcomes["write_file_without_block.md"]

    assert (
        "write_file_without_block.md, line 3, column 1: % write-file must come"
        " right before a fenced block" in error
    )


def test_console_block_must_start_with_a_command(outcomes: dict[str, str]) -> None:
    """Text before the first ``$ `` of a console block stops the page."""
    error = outcomes["text_before_a_command.md"]

    assert "console block: 'Run this:' comes before the first '$ '" in error


def test_working_directory_is_removed_after_its_page(outcomes: dict[str, str]) -> None:
    """A page's working directory is gone once the page has run."""
    workdir = Path(outcomes["probe"])

    assert (True, False) == (workdir.name.startswith("cpjobs-docs-"), workdir.exists())


# --- the reference covers the public API and the command line ---------------

#: An object description: reST (``.. autoclass:: Name``) or MyST (```` ```{autoclass} Name ````).
_DESCRIPTION = re.compile(
    r"^\s*(?:\.\. |```\{)(?:py:)?(?:auto)?"
    r"(?:class|exception|function|data|attribute|method|decorator)(?:::|\})"
    r"[ \t]*(?P<name>[\w.]+)(?P<options>(?:\n[ \t]+:[\w-]+:.*)*)",
    re.MULTILINE,
)
_MODULE = re.compile(
    r"^\s*(?:\.\. |```\{)(?:py:)?(?:current)?module(?:::|\})\s*(\S+)", re.MULTILINE
)


def documented_names() -> Counter[str]:
    """How often each object is described (not ``:no-index:``) across the pages."""
    counts: Counter[str] = Counter()
    for page in sorted(DOCS.rglob("*.md")):
        if "_build" in page.parts:
            continue
        module = ""
        text = page.read_text()
        events = sorted(
            [(m.start(), "module", m.group(1)) for m in _MODULE.finditer(text)]
            + [(m.start(), "object", m) for m in _DESCRIPTION.finditer(text)],
            key=lambda event: event[0],
        )
        for _, kind, value in events:
            if kind == "module":
                module = str(value)
                continue
            assert isinstance(value, re.Match)
            if re.search(r":no-?index:", value["options"]):
                continue
            name = value["name"]
            counts[name if name.startswith("cpjobs.") else f"{module}.{name}"] += 1
    return counts


def test_every_public_name_is_documented_exactly_once() -> None:
    """Each name in cpjobs.__all__ and cpjobs.testing.__all__ has one description."""
    public = {f"cpjobs.{name}" for name in cpjobs.__all__} | {
        f"cpjobs.testing.{name}" for name in cpjobs.testing.__all__
    }
    counts = documented_names()

    actual = {name: counts[name] for name in public if counts[name] != 1}

    assert {} == actual


def test_reference_describes_no_name_that_is_not_public() -> None:
    """Nothing private or misspelled is described as if it were public."""
    public = {f"cpjobs.{name}" for name in cpjobs.__all__} | {
        f"cpjobs.testing.{name}" for name in cpjobs.testing.__all__
    }

    actual = set(documented_names()) - public

    assert set() == actual


def cli_options(
    parser: argparse.ArgumentParser, path: str
) -> Iterator[tuple[str, str, str]]:
    """(command, option, help) for every option of ``parser`` and its subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from cli_options(subparser, f"{path} {name}")
        elif action.option_strings and not isinstance(action, argparse._HelpAction):
            for option in action.option_strings:
                yield path, option, action.help or ""


def test_every_command_and_option_is_on_the_cli_page() -> None:
    """Each subcommand, option and CPJOBS_* variable of ``cpjobs`` is on reference/cli."""
    page = (DOCS / "reference" / "cli.md").read_text()
    commands = {path for path, _, _ in cli_options(_cli.build_parser(), "cpjobs")}
    options = {option for _, option, _ in cli_options(_cli.build_parser(), "cpjobs")}
    variables = {
        variable
        for _, _, help in cli_options(_cli.build_parser(), "cpjobs")
        for variable in re.findall(r"\(env (CPJOBS_\w+);", help)
    }

    missing = (
        {command for command in commands if f"`{command}" not in page}
        | {option for option in options if not re.search(f"`{option}[ `]", page)}
        | {variable for variable in variables if f"`{variable}`" not in page}
    )

    assert set() == missing


def test_every_exit_code_is_on_the_cli_page() -> None:
    """Each ExitCode is a row of reference/cli's exit code table."""
    page = (DOCS / "reference" / "cli.md").read_text()

    missing = {
        code.name
        for code in _cli.ExitCode
        if f"| {code.value} | `{code.name}` |" not in page
    }

    assert set() == missing


def error_tree(text: str) -> list[tuple[int, str]]:
    """(depth, name) of each class in a drawn exception tree."""
    tree = re.search(r"^( *)CPJobsError .*?(?=\n\s*\n|\n```)", text, re.M | re.S)
    assert tree is not None
    margin = len(tree.group(1))
    return [
        (len(drawn.group(1)) // 4, drawn.group(2))
        for line in tree.group(0).splitlines()
        if (drawn := re.match(r"((?:[│ ]   )*[├└]── |)(\w+)", line[margin:]))
    ]


def test_errors_page_draws_the_tree_of_the_errors_module() -> None:
    """reference/errors draws the same tree as the errors module's docstring."""
    page = (DOCS / "reference" / "errors.md").read_text()

    assert error_tree(_errors.__doc__ or "") == error_tree(page)


def test_drawn_error_tree_is_the_class_hierarchy() -> None:
    """Each drawn class subclasses the one it hangs from; every public error is drawn."""
    drawn = error_tree((DOCS / "reference" / "errors.md").read_text())
    parents: list[str] = []
    hanging: dict[str, str] = {}
    for depth, name in drawn:
        del parents[depth:]
        if parents:
            hanging[name] = parents[-1]
        parents.append(name)
    public_errors = {
        name
        for name in cpjobs.__all__
        if isinstance(getattr(cpjobs, name), type)
        and issubclass(getattr(cpjobs, name), cpjobs.CPJobsError)
    }

    misplaced = {
        name
        for name, parent in hanging.items()
        if getattr(cpjobs, parent) not in getattr(cpjobs, name).__bases__
    }

    assert (set(), public_errors) == (misplaced, {name for _, name in drawn})
