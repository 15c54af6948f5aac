"""Hypothesis strategies for every cpjobs model, derived from the models' fields."""

from __future__ import annotations

import enum
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, get_args

import attrs
from hypothesis import strategies as st

import cpjobs

NAME_CHARS = string.ascii_letters + string.digits + "_-"
OUTPUT_KEY_CHARS = NAME_CHARS + "@"

MODELS: tuple[type[Any], ...] = tuple(
    obj
    for name in cpjobs.__all__
    if attrs.has(obj := getattr(cpjobs, name)) and name in cpjobs._models.__all__
)
ENUMS: tuple[type[enum.Enum], ...] = tuple(
    obj
    for name in cpjobs.__all__
    if name in cpjobs._models.__all__
    and isinstance(obj := getattr(cpjobs, name), type)
    and issubclass(obj, enum.Enum)
)


def names(max_size: int) -> st.SearchStrategy[str]:
    return st.text(NAME_CHARS, min_size=1, max_size=max_size)


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=max_size)


def enum_values(enum_type: type[enum.Enum]) -> st.SearchStrategy[Any]:
    """Known members, and values the service may add later."""
    return st.sampled_from(list(enum_type)) | texts(12).map(enum_type)


def artifact_details() -> st.SearchStrategy[cpjobs.ArtifactDetails]:
    """Counts of 0-5 with the minimum not above the maximum."""
    return st.tuples(st.integers(0, 5), st.integers(0, 5)).map(
        lambda counts: cpjobs.ArtifactDetails(
            minimum_count=min(counts), maximum_count=max(counts)
        )
    )


def configuration_properties() -> st.SearchStrategy[Any]:
    """Up to 10 properties with unique names; none queryable (see the model tests)."""
    return st.lists(
        st.builds(
            cpjobs.ActionConfigurationProperty,
            name=texts(50),
            required=st.booleans(),
            key=st.booleans(),
            secret=st.booleans(),
            queryable=st.none() | st.just(False),
            description=st.none() | texts(160),
            type=st.none() | enum_values(cpjobs.ActionConfigurationPropertyType),
        ),
        max_size=10,
        unique_by=lambda prop: prop.name,
    ).map(tuple)


#: URLs and templates that name no configuration property.
PLAIN_URLS = st.none() | st.text(alphabet=string.printable.replace("{", ""), min_size=1)

# Fields whose limits are more than a length of at least 1.
FIELD_STRATEGIES: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("ActionTypeId", "provider"): names(35),
    ("ActionTypeId", "version"): names(9),
    ("CreateCustomActionTypeInput", "provider"): names(35),
    ("CreateCustomActionTypeInput", "version"): names(9),
    ("CreateCustomActionTypeInput", "input_artifact_details"): artifact_details(),
    ("CreateCustomActionTypeInput", "output_artifact_details"): artifact_details(),
    ("CreateCustomActionTypeInput", "configuration_properties"): (
        configuration_properties()
    ),
    ("CreateCustomActionTypeInput", "settings"): st.builds(
        cpjobs.ActionTypeSettings,
        third_party_configuration_url=PLAIN_URLS,
        entity_url_template=PLAIN_URLS,
        execution_url_template=PLAIN_URLS,
        revision_url_template=PLAIN_URLS,
    ),
    ("DeleteCustomActionTypeInput", "provider"): names(35),
    ("DeleteCustomActionTypeInput", "version"): names(9),
    ("ListActionTypesInput", "region_filter"): st.text(
        string.ascii_lowercase + "-", min_size=4, max_size=30
    ),
    ("Tag", "value"): st.text(max_size=30),
    ("ExecutionDetails", "percent_complete"): st.integers(0, 100),
    ("PollForJobsInput", "max_batch_size"): st.integers(1, 100),
    ("PollForThirdPartyJobsInput", "max_batch_size"): st.integers(1, 100),
    ("PollForJobsInput", "query_param"): st.dictionaries(
        texts(50), names(50), max_size=1
    ),
    ("PutJobSuccessResultInput", "output_variables"): st.dictionaries(
        st.text(OUTPUT_KEY_CHARS, min_size=1, max_size=20), st.text(max_size=30)
    ),
}


def for_type(type_: Any) -> st.SearchStrategy[Any]:
    args = get_args(type_)
    if len(args) == 2 and type(None) in args:
        inner = next(arg for arg in args if arg is not type(None))
        return st.none() | for_type(inner)
    origin = getattr(type_, "__origin__", None)
    if origin is tuple:
        return st.lists(for_type(args[0]), max_size=3).map(tuple)
    if origin is Mapping:
        return st.dictionaries(texts(20), st.text(max_size=30), max_size=3)
    if type_ is str:
        return texts()
    if type_ is int:
        return st.integers(1, 100)
    if type_ is bool:
        return st.booleans()
    if type_ is datetime:
        return st.datetimes(timezones=st.just(UTC))
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return enum_values(type_)
    return models(type_)


def _field_strategy(
    cls: type[Any], field: attrs.Attribute[Any]
) -> st.SearchStrategy[Any]:
    strategy = FIELD_STRATEGIES.get((cls.__name__, field.name))
    if strategy is None:
        return for_type(field.type)
    if get_args(field.type) and type(None) in get_args(field.type):
        return st.none() | strategy
    return strategy


def models(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Valid instances of a model class, every optional field sometimes absent."""
    attrs.resolve_types(cls)
    fields = {f.name: _field_strategy(cls, f) for f in attrs.fields(cls)}
    if cls is cpjobs.PutJobSuccessResultInput:
        # Output variables and a continuation token never go together.
        return st.one_of(
            st.builds(cls, **{**fields, "continuation_token": st.none()}),
            st.builds(cls, **{**fields, "output_variables": st.none()}),
        )
    return st.builds(cls, **fields)
