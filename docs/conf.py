"""Sphinx configuration: furo, MyST Markdown, autodoc; warnings are errors (nox -s docs)."""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import re
import typing
from types import ModuleType
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
    "cpjobs.LambdaContext",
    "cpjobs.OutputArtifact",
}


def _drop_constructor_types(app: Any, domain: str, objtype: str, content: Any) -> None:
    """Keep autodoc from listing the constructor parameters of `_MADE_FOR_YOU`."""
    signature = content.parent[0]
    fullname = f"{signature.get('module')}.{signature.get('fullname')}"
    if objtype == "class" and fullname in _MADE_FOR_YOU:
        app.env.current_document.autodoc_annotations.pop(fullname, None)


def _private_modules(package: str) -> list[ModuleType]:
    """The private modules of ``package`` (``cpjobs._models``...), imported."""
    path = importlib.import_module(package).__path__
    return [
        importlib.import_module(f"{package}.{module.name}")
        for module in pkgutil.iter_modules(path)
        if module.name.startswith("_") and module.name != "__main__"
    ]


def _defining_module(package: str, name: str, obj: object) -> ModuleType | None:
    """The private module of ``package`` whose ``__all__`` exports ``obj`` as ``name``."""
    for module in _private_modules(package):
        if name in getattr(module, "__all__", ()) and getattr(module, name) is obj:
            return module
    return None


def _read_classes_where_defined() -> None:
    """Point each public class back at its defining module, for this build only.

    The package presents its classes as ``cpjobs.Name``; autodoc reads
    attribute comments (``#:``) and source order from a class's
    ``__module__``, so it needs the real one. Pages still document them as
    ``cpjobs.Name``; the private path becomes its canonical alias.
    """
    import cpjobs

    for name in cpjobs.__all__:
        obj = getattr(cpjobs, name)
        if isinstance(obj, type) and obj.__module__ == "cpjobs":
            module = _defining_module("cpjobs", name, obj)
            if module is not None:
                obj.__module__ = module.__name__


def _data_comment(
    app: Any, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Describe re-exported data with its ``#:`` comment, not its type's docstring."""
    if what != "data":
        return
    package, _, attribute = name.rpartition(".")
    module = _defining_module(package, attribute, obj)
    comments = {} if module is None else _attribute_comments(module.__name__)
    lines[:] = comments.get(("", attribute), [])


def _public_names(
    app: Any, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Write ``cpjobs._module.Name`` as ``cpjobs.Name`` where the package exports it."""
    import cpjobs

    def public(match: re.Match[str]) -> str:
        exported = match[2] in cpjobs.__all__
        return f"cpjobs.{match[2]}" if exported else match[0]

    lines[:] = [_PRIVATE_PATH.sub(public, line) for line in lines]


_PRIVATE_PATH = re.compile(r"cpjobs\.(_\w+)\.(\w+)")


def _attribute_comments(module: str) -> dict[tuple[str, str], list[str]]:
    from sphinx.pycode import ModuleAnalyzer

    return dict(ModuleAnalyzer.for_module(module).find_attr_docs())


def setup(app: Any) -> None:
    """Register the hooks above."""
    _read_classes_where_defined()
    app.connect("autodoc-process-docstring", _data_comment)
    # After napoleon, which writes the annotations of "Attributes:" out in full.
    app.connect("autodoc-process-docstring", _public_names, priority=600)
    app.connect("autodoc-process-bases", _public_bases)
    # Before autodoc merges the recorded type hints into the description.
    app.connect("object-description-transform", _drop_constructor_types, priority=400)


html_theme = "furo"
html_title = "cpjobs"
