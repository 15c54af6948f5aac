"""Cold start: import time of the Lambda adapter vs aiobotocore alone.

Run: python benchmarks/bench_lambda_import.py [rounds]
Each import runs in a fresh interpreter (what a Lambda cold start pays),
alternating so that both see the same machine load. Prints the median
milliseconds of each, the ratio, and the heaviest modules cpjobs adds
(from ``python -X importtime``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys

IMPORTS = {
    "aiobotocore": "import aiobotocore.session",
    "aiobotocore + client": (
        "import aiobotocore.session, aiobotocore.config, botocore.exceptions"
    ),
    "cpjobs (lambda_handler)": "from cpjobs import lambda_handler",
}


def timed(statement: str) -> float:
    """Milliseconds a fresh interpreter takes to run ``statement``, start to end."""
    code = (
        "import time; t = time.perf_counter(); "
        f"{statement}; print((time.perf_counter() - t) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def heaviest(statement: str, top: int = 12) -> list[tuple[int, str]]:
    """The modules with the largest cumulative import time (microseconds)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[int, str]] = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[12:].split("|"))
        if name.strip().startswith(
            ("cpjobs", "aiobotocore", "botocore", "attrs", "cattrs")
        ):
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    samples: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(rounds):
        for name, statement in IMPORTS.items():
            samples[name].append(timed(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["aiobotocore"]
    print(f"median of {rounds} fresh interpreters, ms (ratio to aiobotocore)")
    for name, median in medians.items():
        print(f"  {name:28} {median:8.1f}   {median / base:5.2f}x")
    print("heaviest modules under `from cpjobs import lambda_handler` (cumulative ms):")
    for micros, name in heaviest(IMPORTS["cpjobs (lambda_handler)"]):
        print(f"  {micros / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
