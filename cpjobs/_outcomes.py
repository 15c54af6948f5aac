"""What a job handler returns: `Success`, `Continue` or `Failure`.

The worker turns each into the matching result call: `Success` and
`Continue` into ``Put(ThirdParty)JobSuccessResult`` (`Continue` with its
continuation token), `Failure` into ``Put(ThirdParty)JobFailureResult``.
A handler that returns ``None`` succeeds plainly.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from . import _validators as v
from ._mapping import freeze
from ._models import (
    CurrentRevision,
    ExecutionDetails,
    FailureType,
    valid_continuation_token,
    valid_output_variables,
)

__all__ = ["Continue", "Failure", "Outcome", "Success"]

_execution_details = v.optional(v.instance_of(ExecutionDetails))
_current_revision = v.optional(v.instance_of(CurrentRevision))


@attrs.frozen(kw_only=True)
class Success:
    """The job is done: report success, with what it produced."""

    execution_details: ExecutionDetails | None = attrs.field(
        default=None, validator=_execution_details
    )
    current_revision: CurrentRevision | None = attrs.field(
        default=None, validator=_current_revision
    )
    #: For custom actions only (CodePipeline has none for third-party actions).
    output_variables: Mapping[str, str] | None = attrs.field(
        default=None, converter=freeze, validator=valid_output_variables
    )


@attrs.frozen
class Continue:
    """The job is not done: CodePipeline issues a new job carrying the token.

    The new job (for this or any other worker) has the token in
    ``data.continuation_token``. ``percent_complete`` is a shortcut for
    ``execution_details.percent_complete``.
    """

    continuation_token: str = attrs.field(validator=valid_continuation_token)
    execution_details: ExecutionDetails | None = attrs.field(
        default=None, kw_only=True, validator=_execution_details
    )
    percent_complete: int | None = attrs.field(
        default=None, kw_only=True, validator=v.optional(v.integer(0, 100))
    )
    current_revision: CurrentRevision | None = attrs.field(
        default=None, kw_only=True, validator=_current_revision
    )

    def details(self) -> ExecutionDetails | None:
        """The execution details to report, with ``percent_complete`` merged in."""
        if self.percent_complete is None:
            return self.execution_details
        if self.execution_details is None:
            return ExecutionDetails(percent_complete=self.percent_complete)
        return attrs.evolve(
            self.execution_details, percent_complete=self.percent_complete
        )


@attrs.frozen
class Failure:
    """The job failed: report why.

    A message longer than the service's 5000 characters is trimmed when it is
    reported; an empty one becomes the failure type's name.
    """

    message: str = attrs.field(validator=v.instance_of(str))
    type: FailureType = attrs.field(
        default=FailureType.JOB_FAILED,
        kw_only=True,
        validator=v.instance_of(FailureType),
    )
    external_execution_id: str | None = attrs.field(
        default=None, kw_only=True, validator=v.optional(v.text(1, 1500))
    )


#: What a handler returns (``None`` too, meaning a plain `Success`).
Outcome = Success | Continue | Failure
