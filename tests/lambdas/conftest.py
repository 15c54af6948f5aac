"""Fixtures for the Lambda adapter tests: a Lambda action's job on the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cpjobs import ActionCategory, ActionOwner, ActionTypeId, JobsClient
from cpjobs.testing import CodePipelineEmulator

#: Where Lambda invoke actions' jobs live in the emulator: a custom type
#: stands in, since the emulator only queues custom and third-party jobs.
ACTION = ActionTypeId(
    category=ActionCategory.INVOKE,
    owner=ActionOwner.CUSTOM,
    provider="cpjobs-lambda",
    version="1",
)


class FakeLambdaContext:
    """Lambda's context object, reduced to the one method the adapter reads.

    A stand-in: outside Lambda there is no real one.
    """

    def __init__(self, remaining_seconds: float = 300.0) -> None:
        self.remaining_ms = int(remaining_seconds * 1000)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def make_client(emulator: CodePipelineEmulator) -> Callable[[], JobsClient]:
    """A client factory for the emulator, without botocore's own retries."""
    from aiobotocore.config import AioConfig

    def make() -> JobsClient:
        return JobsClient.create(
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=AioConfig(retries={"total_max_attempts": 1}),
        )

    return make
