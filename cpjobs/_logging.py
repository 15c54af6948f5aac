"""Logs that carry the job: a filter for text formats, a JSON formatter, one-line setup.

Records about a job (the worker's) carry its fields in ``extra``: ``job_id``,
``pipeline``, ``execution_id``, ``stage`` and ``action``. `JobFieldsFilter`
gives every other record the same fields with a placeholder, so a format
naming ``%(job_id)s`` works for all records; `JsonFormatter` writes one JSON
object per line for log shippers, with the fields a record has.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any, Final, Literal

__all__ = [
    "JOB_FIELDS",
    "JobFieldsFilter",
    "JsonFormatter",
    "configure_logging",
]

#: The fields the worker puts on each record about a job.
JOB_FIELDS: Final = ("job_id", "pipeline", "execution_id", "stage", "action")
#: What a text format shows for a job field a record does not have.
PLACEHOLDER: Final = "-"
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s [job %(job_id)s] %(message)s"

#: Attributes every LogRecord has; anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None))
) | {"message", "asctime", "taskName"}


class JobFieldsFilter(logging.Filter):
    """Give each record the job fields it lacks, set to ``placeholder``.

    Attach it to a handler (a logger's own filters do not see records of its
    children). It never drops a record.
    """

    def __init__(self, placeholder: str = PLACEHOLDER) -> None:
        super().__init__()
        self.placeholder = placeholder

    def filter(self, record: logging.LogRecord) -> bool:
        fields = record.__dict__
        for name in JOB_FIELDS:
            if fields.get(name) is None:
                fields[name] = self.placeholder
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, job fields, extras.

    Job fields a record does not have (or holds as `JobFieldsFilter`'s
    placeholder) are left out; other ``extra`` values that JSON cannot hold
    are written as their ``str``.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name in _RECORD_ATTRIBUTES or value is None:
                continue
            if name in JOB_FIELDS and value == PLACEHOLDER:
                continue
            entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


#: Marks the handler `configure_logging` installed, so a second call replaces it.
_HANDLER_NAME: Final = "cpjobs"


def configure_logging(
    *,
    format: Literal["text", "json"] = "text",
    level: int | str = logging.INFO,
    stream: IO[str] | None = None,
    logger: str | None = None,
) -> logging.Handler:
    """Send logs to ``stream`` (stderr) as text with the job's fields, or as JSON.

    One call sets up the root logger (or the one named ``logger``): a handler
    with `JobFieldsFilter` and the chosen formatter, at ``level``. Calling it
    again replaces what it installed before; other handlers are left alone.

    Returns:
        The handler installed.
    """
    if format not in ("text", "json"):
        raise ValueError(f"format is {format!r}: use 'text' or 'json'")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(JobFieldsFilter())
    handler.setFormatter(
        JsonFormatter() if format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    target = logging.getLogger(logger)
    for old in [h for h in target.handlers if h.get_name() == _HANDLER_NAME]:
        target.removeHandler(old)
        old.close()
    target.addHandler(handler)
    target.setLevel(level)
    return handler
