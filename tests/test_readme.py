"""The examples in the README and the docs work as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def python_blocks(document: str) -> list[str]:
    """The Python code blocks of a Markdown file of the project."""
    text = (ROOT / document).read_text()
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


def block_after(document: str, heading: str) -> str:
    """The first Python code block in the section ``heading`` of ``document``."""
    section = (ROOT / document).read_text().split(f"\n## {heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, f"no Python block under {heading!r}"
    return match.group(1)


def run_pytest(folder: Path, passed: int) -> None:
    """Run pytest in ``folder`` (no project configuration); expect ``passed`` passes."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert 0 == result.returncode, result.stdout + result.stderr
    assert f"{passed} passed" in result.stdout


def test_readme_testing_example_passes(tmp_path: Path) -> None:
    """The README's "Testing your worker" example passes as a test file."""
    example = block_after("README.md", "Testing your worker")
    (tmp_path / "test_example.py").write_text(example)

    run_pytest(tmp_path, passed=1)


def test_testing_guide_example_passes(tmp_path: Path) -> None:
    """docs/how-to/testing.md's ``build.py`` and ``test_build.py`` pass as written."""
    for block in python_blocks("docs/how-to/testing.md"):
        first_line = block.splitlines()[0]
        if re.fullmatch(r"# \w+\.py", first_line):
            (tmp_path / first_line[2:]).write_text(block)

    run_pytest(tmp_path, passed=4)
