"""Every example in these pages runs as a test.

Sybil collects the ```` ```python ```` and ```` ```console ```` blocks of each
page and runs them in order, in one namespace per page. Examples that talk to
AWS talk to the emulator: while a page runs, the SDK's environment
(``AWS_ENDPOINT_URL``, credentials, region) points at the session's
`CodePipelineEmulator`, which is reset before each page. Nothing of the
reader's own AWS configuration is read.

Each page has its own temporary working directory, ``workdir`` in the Python
namespace (a `pathlib.Path`); the page runs in it, so a relative path means
the same to a Python block and to a command.

A ```` ```console ```` block is a shell session: each line starting with
``$ `` is a command (a line ending with a backslash continues it on the next),
run by ``bash -c`` in the working directory, with the page's environment and
the test run's ``python`` and ``cpjobs`` first on ``PATH``. The lines after
it, up to the next command, are its expected output, stdout and stderr
together, matched as doctest does with ELLIPSIS (``...`` matches anything,
across lines too); trailing whitespace is ignored. A command must exit 0,
unless its expected output ends with a line ``[exit N]``: then it must exit N.

Markup a page may use (MyST comments, invisible in the built site):

- ``% invisible-code-block: python`` followed by lines that each start with
  ``%``: set-up or checks the reader need not see (queue a job, assert on the
  emulator);
- ``% write-file: NAME`` right before a fenced block (any language): the
  block, shown as usual, is written to NAME in the working directory when the
  page reaches it, instead of being run;
- ``% skip: next`` before a block that cannot run here (say, one that needs a
  real AWS account), with the reason in the text;
- ``% clear-namespace`` to start afresh within a page.
"""

from __future__ import annotations

import contextlib
import doctest
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region, Sybil
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer
from sybil.parsers.myst import (
    ClearNamespaceParser,
    CodeBlockParser,
    PythonCodeBlockParser,
    SkipParser,
)

from cpjobs.testing import CodePipelineEmulator

#: The environment a page's examples run in, pointed at the emulator.
_AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
)
#: How long one console command may take before it counts as hung.
_COMMAND_TIMEOUT = 120.0
_EXIT_LINE = re.compile(r"\[exit (?P<status>\d+)\]")
_WRITE_FILE = re.compile(
    r"^%[ \t]*write-file:[ \t]*(?P<name>\S+)[ \t]*\n", re.MULTILINE
)


#: The pages' emulator, started when the first page runs, stopped at the end.
_running = contextlib.ExitStack()
_emulators: list[CodePipelineEmulator] = []


def _emulator() -> CodePipelineEmulator:
    """The emulator the pages share, started on first use."""
    if not _emulators:
        _emulators.append(_running.enter_context(CodePipelineEmulator.serve()))
    return _emulators[0]


def pytest_sessionfinish() -> None:
    """Stop the pages' emulator, if a page started it."""
    _running.close()
    _emulators.clear()


def _setup(namespace: dict[str, Any]) -> None:
    """Before a page: reset the emulator, aim the SDK at it, enter a fresh directory."""
    emulator = namespace["emulator"] = _emulator()
    emulator.reset()
    namespace["_saved_environment"] = {
        name: os.environ.get(name) for name in _AWS_VARIABLES
    }
    for name in _AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ENDPOINT_URL=emulator.endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=emulator.region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    namespace["_saved_cwd"] = os.getcwd()
    workdir = namespace["workdir"] = Path(
        tempfile.mkdtemp(prefix="cpjobs-docs-")
    ).resolve()
    os.chdir(workdir)


def _teardown(namespace: dict[str, Any]) -> None:
    """After a page: back to the directory and environment it started in."""
    os.chdir(namespace.pop("_saved_cwd"))
    shutil.rmtree(namespace["workdir"], ignore_errors=True)
    for name, value in namespace.pop("_saved_environment", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# --- % write-file: NAME ----------------------------------------------------------


def _write_file_regions(document: Document) -> Iterator[Region]:
    """Each ``% write-file: NAME`` comment with the fenced block right after it."""
    blocks = {
        region.start: region
        for region in RawFencedCodeBlockLexer(
            info_pattern=re.compile(r"[^\n]*$\n", re.MULTILINE)
        )(document)
    }
    for comment in _WRITE_FILE.finditer(document.text):
        block_start = comment.end() + _blank_lines(document.text, comment.end())
        block = blocks.get(block_start)
        if block is None:
            line = document.line_column(comment.start())
            raise ValueError(
                f"{document.path}, {line}: % write-file must come right before"
                " a fenced block"
            )
        yield Region(
            comment.start(),
            block.end,
            (comment["name"], str(block.lexemes["source"])),
            _write_file,
        )


def _blank_lines(text: str, start: int) -> int:
    """How many characters of blank lines follow ``start``."""
    blank = re.compile(r"[ \t]*\n").match(text, start)
    return 0 if blank is None else blank.end() - start + _blank_lines(text, blank.end())


def _write_file(example: Example) -> None:
    name, content = example.parsed
    workdir: Path = example.namespace["workdir"]
    path = (workdir / name).resolve()
    if not path.is_relative_to(workdir.resolve()):
        raise ValueError(f"% write-file: {name} is outside the working directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def _outside_written_files(
    parser: Callable[[Document], Iterable[Region]],
) -> Callable[[Document], Iterator[Region]]:
    """``parser``, minus the blocks that ``% write-file`` claims."""

    def parse(document: Document) -> Iterator[Region]:
        claimed = [(r.start, r.end) for r in _write_file_regions(document)]
        for region in parser(document):
            if not any(start <= region.start < end for start, end in claimed):
                yield region

    return parse


# --- ```console ------------------------------------------------------------------


def _commands(session: str) -> list[tuple[str, str]]:
    """A console session as (command, expected output) pairs."""
    commands: list[tuple[str, list[str]]] = []
    continued = False
    for line in session.splitlines():
        if continued:
            commands[-1] = (f"{commands[-1][0]}\n{line}", commands[-1][1])
        elif line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"console block: {line!r} comes before the first '$ '")
        continued = bool(commands) and not commands[-1][1] and line.endswith("\\")
    return [(command, "\n".join(output)) for command, output in commands]


def _normalized(output: str) -> str:
    """Output with trailing whitespace gone from each line and from the end."""
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(f"{line}\n" for line in lines)


def _page_path() -> str:
    """PATH with the test run's ``python`` and ``cpjobs`` first."""
    return os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])


def _run_command(command: str, expected: str, workdir: Path) -> str | None:
    """Run one command; say how it differs from what the page expects, if it does."""
    want = _normalized(expected)
    status = 0
    lines = want.splitlines()
    if lines and (exit_line := _EXIT_LINE.fullmatch(lines[-1])):
        status = int(exit_line["status"])
        want = "".join(f"{line}\n" for line in lines[:-1])
    try:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=workdir,
            env={**os.environ, "PATH": _page_path()},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=_COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"$ {command}\ndid not end within {_COMMAND_TIMEOUT:g} s"
    got = _normalized(done.stdout)
    checker = doctest.OutputChecker()
    problems = []
    if not checker.check_output(want, got, doctest.ELLIPSIS):
        problems.append(
            checker.output_difference(
                doctest.Example(command, want), got, doctest.ELLIPSIS
            )
        )
    if done.returncode != status:
        problems.append(f"exit status {done.returncode}, expected {status}\n")
    if problems:
        return f"$ {command}\n" + "".join(problems)
    return None


def _run_console(example: Example) -> str | None:
    """Run a console block's commands in order; stop at the first that differs."""
    for command, expected in example.parsed:
        problem = _run_command(command, expected, example.namespace["workdir"])
        if problem is not None:
            return problem
    return None


class _ConsoleParser(CodeBlockParser):
    """```` ```console ```` blocks: commands and their expected output."""

    language = "console"

    def __call__(self, document: Document) -> Iterator[Region]:
        for region in super().__call__(document):
            region.parsed = _commands(region.parsed)
            yield region

    def evaluate(self, example: Example) -> str | None:
        """Run the block (see `_run_console`)."""
        return _run_console(example)


pytest_collect_file = Sybil(
    parsers=[
        _outside_written_files(PythonCodeBlockParser()),
        _outside_written_files(_ConsoleParser()),
        _write_file_regions,
        SkipParser(),
        ClearNamespaceParser(),
    ],
    patterns=["*.md"],
    setup=_setup,
    teardown=_teardown,
).pytest()
