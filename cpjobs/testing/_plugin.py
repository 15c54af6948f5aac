"""pytest fixtures for testing workers against `CodePipelineEmulator`.

Loaded in every pytest run where cpjobs is installed, so it imports neither
moto nor boto3 (nor the emulator) until a fixture is used.

- ``codepipeline_emulator`` (session): one emulator for the whole run.
- ``emulator``: that emulator, reset after the test.
- ``jobs_client``: a `cpjobs.JobsClient` bound to the emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from cpjobs import JobsClient
    from cpjobs.testing import CodePipelineEmulator

_F = TypeVar("_F", bound=Callable[..., Any])

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - without pytest-asyncio
    _async_fixture: Callable[[_F], _F] = pytest.fixture
else:
    _async_fixture = pytest_asyncio.fixture


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
    """The session's emulator, reset after the test."""
    try:
        yield codepipeline_emulator
    finally:
        codepipeline_emulator.reset()


@_async_fixture
async def jobs_client(emulator: CodePipelineEmulator) -> AsyncIterator[JobsClient]:
    """A `cpjobs.JobsClient` talking to the emulator."""
    from cpjobs import JobsClient

    async with JobsClient.create(
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as client:
        yield client
