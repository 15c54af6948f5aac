"""Structure a full Job: cpjobs.converter vs a pydantic v2 model vs the raw dict.

Run: python benchmarks/bench_converter.py
Prints microseconds per job for each and the ratio cpjobs / pydantic.
"""

from __future__ import annotations

import copy
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cpjobs import Job, converter


def artifact(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "revision": "0f3c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c",
        "location": {
            "type": "S3",
            "s3Location": {
                "bucketName": "codepipeline-us-east-1-123456789012",
                "objectKey": f"my-pipeline/{name}/Xyz123.zip",
            },
        },
    }


WIRE_JOB: dict[str, Any] = {
    "id": "11111111-2222-4333-8444-555555555555",
    "nonce": "3",
    "accountId": "123456789012",
    "data": {
        "actionTypeId": {
            "category": "Build",
            "owner": "Custom",
            "provider": "MyBuildTool",
            "version": "1",
        },
        "actionConfiguration": {
            "configuration": {"ProjectName": "web", "ApiToken": "not-a-real-token"}
        },
        "pipelineContext": {
            "pipelineName": "my-pipeline",
            "stage": {"name": "Build"},
            "action": {"name": "Compile", "actionExecutionId": "a1b2c3d4"},
            "pipelineArn": "arn:aws:codepipeline:us-east-1:123456789012:my-pipeline",
            "pipelineExecutionId": "11111111-2222-4333-8444-666666666666",
        },
        "inputArtifacts": [artifact("SourceArtifact"), artifact("LibArtifact")],
        "outputArtifacts": [artifact("BuildArtifact")],
        "artifactCredentials": {
            "accessKeyId": "ASIAEXAMPLE",
            "secretAccessKey": "secret",
            "sessionToken": "token",
        },
        "continuationToken": "resume-from-step-3",
        "encryptionKey": {
            "id": "arn:aws:kms:us-east-1:123456789012:key/abcd",
            "type": "KMS",
        },
    },
}


# --- the same shape in pydantic v2 --------------------------------------------


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=camel, frozen=True, populate_by_name=True)


class PCategory(StrEnum):
    SOURCE = "Source"
    BUILD = "Build"
    DEPLOY = "Deploy"
    TEST = "Test"
    INVOKE = "Invoke"
    APPROVAL = "Approval"
    COMPUTE = "Compute"


class POwner(StrEnum):
    AWS = "AWS"
    THIRD_PARTY = "ThirdParty"
    CUSTOM = "Custom"


class PActionTypeId(Wire):
    category: PCategory
    owner: POwner
    provider: str
    version: str


class PActionConfiguration(Wire):
    configuration: dict[str, str] | None = None


class PStageContext(Wire):
    name: str | None = None


class PActionContext(Wire):
    name: str | None = None
    action_execution_id: str | None = None


class PPipelineContext(Wire):
    pipeline_name: str | None = None
    stage: PStageContext | None = None
    action: PActionContext | None = None
    pipeline_arn: str | None = None
    pipeline_execution_id: str | None = None


class PS3ArtifactLocation(Wire):
    bucket_name: str
    object_key: str


class PArtifactLocation(Wire):
    type: str | None = None
    s3_location: PS3ArtifactLocation | None = None


class PArtifact(Wire):
    name: str | None = None
    revision: str | None = None
    location: PArtifactLocation | None = None


class PCredentials(Wire):
    access_key_id: str = Field(repr=False)
    secret_access_key: str = Field(repr=False)
    session_token: str = Field(repr=False)


class PEncryptionKey(Wire):
    id: str
    type: str


class PJobData(Wire):
    action_type_id: PActionTypeId | None = None
    action_configuration: PActionConfiguration | None = None
    pipeline_context: PPipelineContext | None = None
    input_artifacts: tuple[PArtifact, ...] | None = None
    output_artifacts: tuple[PArtifact, ...] | None = None
    artifact_credentials: PCredentials | None = None
    continuation_token: str | None = None
    encryption_key: PEncryptionKey | None = None


class PJob(Wire):
    id: str | None = None
    data: PJobData | None = None
    nonce: str | None = None
    account_id: str | None = None


# --- the run ------------------------------------------------------------------


def best_us_per_call(
    candidates: dict[str, Callable[[], object]], number: int, repeat: int
) -> dict[str, float]:
    """Best time per call of each candidate, rounds interleaved so drift hits all."""
    best = dict.fromkeys(candidates, float("inf"))
    for _ in range(repeat):
        for name, fn in candidates.items():
            seconds = timeit.timeit(fn, number=number)
            best[name] = min(best[name], seconds / number * 1e6)
    return best


def main(number: int = 10_000, repeat: int = 15) -> None:
    wire = copy.deepcopy(WIRE_JOB)
    assert converter.unstructure(converter.structure(wire, Job)) == wire
    assert PJob.model_validate(wire).model_dump(by_alias=True, mode="json") == wire

    best = best_us_per_call(
        {
            "cpjobs": lambda: converter.structure(wire, Job),
            "pydantic": lambda: PJob.model_validate(wire),
            "raw": lambda: copy.deepcopy(wire),
        },
        number,
        repeat,
    )
    cpjobs_us, pydantic_us, raw_us = best["cpjobs"], best["pydantic"], best["raw"]
    started = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"structure one full Job ({started}, best of {repeat} x {number})")
    print(f"  cpjobs.converter   {cpjobs_us:8.2f} us/job")
    print(f"  pydantic v2        {pydantic_us:8.2f} us/job")
    print(f"  raw dict deepcopy  {raw_us:8.2f} us/job")
    print(f"  ratio cpjobs/pydantic = {cpjobs_us / pydantic_us:.2f}x")


if __name__ == "__main__":
    main()
