"""Sphinx configuration: furo, MyST Markdown, autodoc; warnings are errors (nox -s docs)."""

from __future__ import annotations

import importlib.metadata
import typing
from typing import Any

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

# A name in single backticks in a docstring is a cross-reference.
default_role = "py:obj"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Bases are shown where they say something (errors, enums, specs): the pages
# ask for them with :show-inheritance:.
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections as fields: a property of the same name is documented
# once, as itself.
napoleon_use_ivar = True

# The build is offline (no intersphinx): names from the standard library and
# the dependencies cannot be resolved, so they are not reported.
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(asyncio|collections\.abc|contextlib|typing|typing_extensions|types|datetime|enum|logging|pathlib|os|io|decimal|uuid|collections|random|time)\..*",
    ),
    (r"py:.*", r"(aiobotocore|botocore|attrs|attr|cattrs|moto|pytest|_pytest)\..*"),
    (
        r"py:class",
        r"(int|str|bytes|bool|float|object|dict|list|tuple|set|frozenset|type|None|BaseException|Exception|RuntimeError|ValueError|TypeError|KeyError|Callable|Awaitable|Mapping|Sequence|Iterator|AsyncIterator|Any)",
    ),
]

nitpick_ignore = [
    # datetime.datetime, as autodoc writes it for attrs fields.
    ("py:class", "datetime"),
    # Names imported for type checking only, from aiobotocore and its stubs.
    ("py:class", "AioConfig"),
    ("py:class", "AioSession"),
    ("py:class", "CodePipelineClient"),
    # ArtifactStore's on_event type: Callable[[ArtifactTransferred], object].
    ("py:class", "TransferListener"),
    # JobStream's type variable (a Job or a ThirdPartyJob).
    ("py:class", "JobT"),
    ("py:obj", "cpjobs._client.JobT"),
]


def _public_bases(
    app: object, name: str, obj: object, options: object, bases: list[type]
) -> None:
    """Show a class's public ancestors in place of a private base class."""
    public: list[type] = []
    for base in bases:
        public.extend(_public_ancestors(base))
    bases[:] = list(dict.fromkeys(public)) or [object]


def _public_ancestors(base: Any) -> list[Any]:
    """``base`` if it is public, else its own public ancestors (never Generic)."""
    origin = getattr(base, "__origin__", base)
    if origin is typing.Generic or origin is object:
        return []
    if not getattr(origin, "__name__", "").startswith("_"):
        return [base]
    parents = getattr(origin, "__orig_bases__", origin.__bases__)
    return [ancestor for parent in parents for ancestor in _public_ancestors(parent)]


#: Classes cpjobs makes and hands to you: documented without a signature
#: (``.. autoclass:: Name()``), and without their constructor's parameters.
_MADE_FOR_YOU = {
    "cpjobs.InputArtifact",
    "cpjobs.JobContext",
    "cpjobs.JobStream",
    "cpjobs.OutputArtifact",
}


def _drop_constructor_types(app: Any, domain: str, objtype: str, content: Any) -> None:
    """Keep autodoc from listing the constructor parameters of `_MADE_FOR_YOU`."""
    signature = content.parent[0]
    fullname = f"{signature.get('module')}.{signature.get('fullname')}"
    if objtype == "class" and fullname in _MADE_FOR_YOU:
        app.env.current_document.autodoc_annotations.pop(fullname, None)


def setup(app: Any) -> None:
    """Register the hooks above."""
    app.connect("autodoc-process-bases", _public_bases)
    # Before autodoc merges the recorded type hints into the description.
    app.connect("object-description-transform", _drop_constructor_types, priority=400)


html_theme = "furo"
html_title = "cpjobs"
