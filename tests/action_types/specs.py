"""Specs shared by the action-type tests."""

from __future__ import annotations

import cpjobs

LINT = cpjobs.ActionTypeSpec(
    category="Test",
    provider="Lint",
    version="1",
    settings=cpjobs.ActionTypeSettings(
        entity_url_template="https://lint.example/projects/{Config:Project}"
    ),
    configuration_properties=[
        cpjobs.ActionConfigurationProperty(
            name="Project",
            required=True,
            key=True,
            secret=False,
            queryable=True,
            description="The project to lint",
            type="String",
        ),
        cpjobs.ActionConfigurationProperty(
            name="Token", required=False, key=False, secret=True
        ),
    ],
    input_artifact_details=cpjobs.ArtifactDetails(minimum_count=1, maximum_count=1),
    output_artifact_details=cpjobs.ArtifactDetails(minimum_count=0, maximum_count=0),
)

LINT_TOML = """\
category = "Test"
provider = "Lint"
version = "1"

[settings]
entityUrlTemplate = "https://lint.example/projects/{Config:Project}"

[[configurationProperties]]
name = "Project"
required = true
key = true
secret = false
queryable = true
description = "The project to lint"
type = "String"

[[configurationProperties]]
name = "Token"
required = false
key = false
secret = true

[inputArtifactDetails]
minimumCount = 1
maximumCount = 1

[outputArtifactDetails]
minimumCount = 0
maximumCount = 0
"""
