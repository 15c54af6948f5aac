"""pytest fixtures for testing workers against `CodePipelineEmulator`.

Loaded in every pytest run where cpjobs is installed, so it imports neither
moto nor boto3 until a fixture is used.

- ``codepipeline_emulator`` (session): one emulator for the whole run.
- ``emulator``: that emulator, reset after the test.
- ``jobs_client``: a `cpjobs.JobsClient` bound to the emulator.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

    from cpjobs import JobsClient
    from cpjobs.testing import CodePipelineEmulator

_F = TypeVar("_F", bound=Callable[..., Any])


def _async_fixture(function: _F) -> _F:
    """Declare an async fixture: pytest-asyncio's if installed (strict mode)."""
    try:
        pytest_asyncio = importlib.import_module("pytest_asyncio")
    except ImportError:  # pragma: no cover - without pytest-asyncio
        return cast("_F", pytest.fixture(function))
    return cast("_F", pytest_asyncio.fixture(function))


@pytest.fixture(scope="session")
def codepipeline_emulator() -> Iterator[CodePipelineEmulator]:
    """One `CodePipelineEmulator` for the session; prefer ``emulator`` in tests."""
    from cpjobs.testing import CodePipelineEmulator

    with CodePipelineEmulator.serve() as emulator:
        yield emulator


@pytest.fixture
def emulator(
    codepipeline_emulator: CodePipelineEmulator,
) -> Iterator[CodePipelineEmulator]:
    """Yield the session's emulator and reset it after the test."""
    try:
        yield codepipeline_emulator
    finally:
        codepipeline_emulator.reset()


@functools.cache
def _isolated_session() -> AioSession:
    """One aiobotocore session for the run: it caches the service model."""
    from aiobotocore.session import AioSession

    from cpjobs.testing._sessions import isolated_session_vars

    return AioSession(session_vars=isolated_session_vars())


@_async_fixture
async def jobs_client(emulator: CodePipelineEmulator) -> AsyncIterator[JobsClient]:
    """Yield a `cpjobs.JobsClient` talking to the emulator.

    Its session reads nothing of the user's AWS configuration (profile,
    files, environment variables): the test runs the same in any shell.
    """
    from cpjobs import JobsClient

    # aiobotocore's config and session types are untyped in JobsClient.create.
    async with JobsClient.create(  # pyright: ignore[reportUnknownMemberType]
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        session=_isolated_session(),
    ) as client:
        yield client
