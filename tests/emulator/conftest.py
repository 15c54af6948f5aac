"""Clients on the emulator for its tests.

The tests drive the emulator with plain boto3 and aiobotocore, never through
cpjobs's client, so its wire format is checked independently. The emulator
itself comes from the installed pytest plugin (``emulator`` fixture).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import boto3
import pytest
from aiobotocore.session import get_session
from emulator_helpers import (
    NO_RETRIES,
    UNVALIDATED,
    artifact_client_kwargs,
    client_kwargs,
)

from cpjobs.testing import CodePipelineEmulator


@pytest.fixture(scope="session")
def codepipeline(codepipeline_emulator: CodePipelineEmulator) -> Iterator[Any]:
    """A boto3 CodePipeline client on the emulator that never retries."""
    client = boto3.client(
        "codepipeline", config=NO_RETRIES, **client_kwargs(codepipeline_emulator)
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def unvalidated(codepipeline_emulator: CodePipelineEmulator) -> Iterator[Any]:
    """A boto3 CodePipeline client that skips botocore's own parameter checks."""
    client = boto3.client(
        "codepipeline", config=UNVALIDATED, **client_kwargs(codepipeline_emulator)
    )
    yield client
    client.close()


@pytest.fixture
def s3_with() -> Iterator[Callable[[CodePipelineEmulator, dict[str, str]], Any]]:
    """Make S3 clients on the emulator from a job's artifactCredentials."""
    clients: list[Any] = []

    def make(emulator: CodePipelineEmulator, credentials: dict[str, str]) -> Any:
        client = boto3.client("s3", **artifact_client_kwargs(emulator, credentials))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
async def aio_codepipeline(emulator: CodePipelineEmulator) -> AsyncIterator[Any]:
    """An aiobotocore CodePipeline client on the emulator that never retries."""
    async with get_session().create_client(
        "codepipeline", config=NO_RETRIES, **client_kwargs(emulator)
    ) as client:
        yield client
