"""``python -m cpjobs``: the ``cpjobs`` command."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._cli import main as _main

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cpjobs`` command as ``python -m cpjobs``; return the exit code."""
    return _main(argv, prog="python -m cpjobs")


if __name__ == "__main__":
    sys.exit(main())
