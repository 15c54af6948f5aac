"""Sphinx configuration: furo, MyST Markdown, autodoc; warnings are errors (nox -s docs)."""

from __future__ import annotations

import importlib.metadata

project = "cpjobs"
author = "The cpjobs developers"
copyright = "2026, The cpjobs developers"
release = importlib.metadata.version("cpjobs")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "conftest.py", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# The build is offline (no intersphinx): names from the standard library and
# the dependencies cannot be resolved, so they are not reported.
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(asyncio|collections\.abc|typing|typing_extensions|types|datetime|enum|logging|pathlib|os|io|decimal|uuid|collections)\..*",
    ),
    (r"py:.*", r"(aiobotocore|botocore|attrs|attr|cattrs|moto|pytest|_pytest)\..*"),
    (
        r"py:class",
        r"(int|str|bytes|bool|float|object|dict|list|tuple|set|frozenset|type|None|BaseException|Exception|RuntimeError|ValueError|TypeError|KeyError|Callable|Awaitable|Mapping|Sequence|Iterator|AsyncIterator|Any)",
    ),
]

html_theme = "furo"
html_title = "cpjobs"
