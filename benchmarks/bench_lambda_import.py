"""Cold start: import time of the Lambda adapter vs aiobotocore alone.

Run: python benchmarks/bench_lambda_import.py [rounds]
Each import runs in a fresh interpreter (what a Lambda cold start pays),
alternating so that all see the same machine load. Prints the median
milliseconds of each, wall clock and CPU, with the ratio to aiobotocore, and
the heaviest modules the adapter adds (from ``python -X importtime``).

cpjobs' bytecode is compiled first, as installing a wheel does: without it
(an editable install under ``PYTHONDONTWRITEBYTECODE``) every fresh
interpreter would compile cpjobs from source while aiobotocore loads
compiled. On a shared machine the CPU figures are the steadier ones.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
from pathlib import Path

import cpjobs

IMPORTS = {
    "aiobotocore": "import aiobotocore.session",
    "aiobotocore + client": (
        "import aiobotocore.session, aiobotocore.config, botocore.exceptions"
    ),
    "cpjobs (lambda_handler)": "from cpjobs import lambda_handler",
    # What `import cpjobs` cost when it loaded every module.
    "cpjobs (every name)": "from cpjobs import *",
    "cpjobs check (CLI)": "from cpjobs._cli import main",
}
BASE = "aiobotocore"
ADAPTER = "cpjobs (lambda_handler)"


def timed(statement: str) -> tuple[float, float]:
    """Wall and CPU milliseconds a fresh interpreter takes to run ``statement``."""
    code = (
        "import time; wall, cpu = time.perf_counter(), time.process_time(); "
        f"{statement}; "
        "print((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def imported(statement: str) -> list[tuple[int, str]]:
    """(own microseconds, module) for each import a fresh interpreter makes."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[int, str]] = []
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            own, _, name = (part.strip() for part in line[12:].split("|"))
            rows.append((int(own), name))
    return rows


def added(statement: str, runs: int = 7, top: int = 12) -> list[tuple[float, str]]:
    """The modules ``statement`` imports beyond aiobotocore, by their own time.

    Returns (median milliseconds over ``runs`` fresh interpreters, module)
    pairs, largest first: one run alone may charge a module for a garbage
    collection or for the machine's other work.
    """
    imported_anyway = {name for _, name in imported(IMPORTS[BASE])}
    own: dict[str, list[int]] = {}
    for _ in range(runs):
        for micros, name in imported(statement):
            if name not in imported_anyway:
                own.setdefault(name, []).append(micros)
    rows = [(statistics.median(values) / 1000, name) for name, values in own.items()]
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    compileall.compile_dir(Path(cpjobs.__file__).parent, quiet=1)
    walls: dict[str, list[float]] = {name: [] for name in IMPORTS}
    cpus: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(rounds):
        for name, statement in IMPORTS.items():
            wall, cpu = timed(statement)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_median = {name: statistics.median(values) for name, values in walls.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpus.items()}
    print(f"median of {rounds} fresh interpreters, ms (ratio to {BASE})")
    print(f"  {'':28} {'wall':>8} {'':7} {'cpu':>8}")
    for name in IMPORTS:
        wall, cpu = wall_median[name], cpu_median[name]
        print(
            f"  {name:28} {wall:8.1f} {wall / wall_median[BASE]:5.2f}x"
            f" {cpu:8.1f} {cpu / cpu_median[BASE]:5.2f}x"
        )
    print(f"heaviest modules `{IMPORTS[ADAPTER]}` adds to {BASE} (own ms):")
    for own, name in added(IMPORTS[ADAPTER]):
        print(f"  {own:8.1f}  {name}")


if __name__ == "__main__":
    main()
