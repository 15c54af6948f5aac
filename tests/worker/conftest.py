"""Fixtures for the worker tests: action types and a client without retries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from worker_helpers import client_for

from cpjobs import ActionCategory, ActionOwner, ActionTypeId, JobsClient
from cpjobs.testing import CodePipelineEmulator


@pytest.fixture
def action_type(emulator: CodePipelineEmulator) -> ActionTypeId:
    """A custom action type, registered on the emulator."""
    action_type_id = ActionTypeId(
        category=ActionCategory.BUILD,
        owner=ActionOwner.CUSTOM,
        provider="cpjobs-test",
        version="1",
    )
    emulator.register_action_type(action_type_id)
    return action_type_id


@pytest.fixture
def third_party_type(emulator: CodePipelineEmulator) -> ActionTypeId:
    """A third-party action type, registered on the emulator."""
    action_type_id = ActionTypeId(
        category=ActionCategory.DEPLOY,
        owner=ActionOwner.THIRD_PARTY,
        provider="cpjobs-partner",
        version="1",
    )
    emulator.register_action_type(action_type_id)
    return action_type_id


@pytest.fixture
async def bare_client(emulator: CodePipelineEmulator) -> AsyncIterator[JobsClient]:
    """A client without botocore's own retries, so injected faults reach the worker."""
    async with client_for(emulator, retries={"total_max_attempts": 1}) as client:
        yield client
