"""What the artifact store reports of a transfer: `ArtifactTransferred`.

Apart from the store so that the worker's events and the handler's context
take it in without loading the S3 and archive machinery, which a handler
that never touches ``ctx.artifacts`` does not need.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

__all__ = ["ArtifactTransferred", "TransferDirection", "TransferListener"]


class TransferDirection(enum.StrEnum):
    """Which way an artifact went."""

    DOWNLOAD = "download"
    UPLOAD = "upload"


@attrs.frozen(kw_only=True)
class ArtifactTransferred:
    """An artifact was downloaded or uploaded (or a stream of it was read)."""

    job_id: str
    artifact: str
    direction: TransferDirection
    #: Bytes moved.
    size: int
    #: Seconds it took.
    seconds: float


TransferListener = Callable[[ArtifactTransferred], object]
