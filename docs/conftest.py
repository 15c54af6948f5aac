"""Every Python example in these pages runs as a test.

Sybil collects the ```` ```python ```` blocks of each page and runs them in
order, in one namespace per page. Examples that talk to AWS talk to the
emulator: while a page runs, the SDK's environment (``AWS_ENDPOINT_URL``,
credentials, region) points at the session's `CodePipelineEmulator`, which is
reset before each page. Nothing of the reader's own AWS configuration is read.

Markup a page may use (MyST comments, invisible in the built site):

- ``% invisible-code-block: python`` followed by an indented block: set-up or
  checks the reader need not see (queue a job, assert on the emulator);
- ``% skip: next`` before a block that cannot run here (say, one that needs a
  real AWS account), with the reason in the text;
- ``% clear-namespace`` to start afresh within a page.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from sybil import Sybil
from sybil.parsers.myst import ClearNamespaceParser, PythonCodeBlockParser, SkipParser

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
    """Before a page: reset the emulator and aim the SDK's environment at it."""
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


def _restore_environment(namespace: dict[str, Any]) -> None:
    """After a page: put the environment back as it was."""
    for name, value in namespace.pop("_saved_environment", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser(), ClearNamespaceParser()],
    patterns=["*.md"],
    # Pages written before the site; their examples run from tests/test_readme.py
    # until they are moved into the site's sections.
    excludes=["explanation/design.md", "how-to/testing.md", "how-to/lambda.md"],
    setup=_setup,
    teardown=_restore_environment,
).pytest()
