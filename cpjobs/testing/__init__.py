"""Test CodePipeline job workers locally: an emulator and its pytest fixtures.

`CodePipelineEmulator` serves CodePipeline's job-worker operations, plus moto's
S3, STS and KMS for the artifacts, on 127.0.0.1. It needs the ``testing``
extra (``pip install cpjobs[testing]``). The pytest plugin (loaded
automatically) provides the ``codepipeline_emulator``, ``emulator`` and
``jobs_client`` fixtures.
"""

from ._emulator import CodePipelineEmulator
from ._records import JobRecord, JobSuccess
from ._service import OUTPUT_VARIABLES_MAX_BYTES

__all__ = [
    "OUTPUT_VARIABLES_MAX_BYTES",
    "CodePipelineEmulator",
    "JobRecord",
    "JobSuccess",
]
