"""Object types that show a row or a service's result field for field.

Many types repeat what they show under the same names (a donation's ``charity`` is the row's
``charity``); :func:`copy_fields` reads those, so a type's ``of`` names only the fields it
renames or converts and a field added to both sides needs no third line."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def copy_fields(cls: type[T], source: object, /, **given: Any) -> T:
    """An instance of the Strawberry type ``cls``: the fields in ``given`` as given, every
    other field read from ``source``'s attribute of the same name (a missing one raises
    AttributeError, as a mistyped name would)."""
    copied = {name: getattr(source, name) for name in _field_names(cls) if name not in given}
    return cls(**copied, **given)


# The fields each type is built with, read once per type: lists of hundreds of rows are
# shown through copy_fields.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a Strawberry type")
        names = tuple(field.name for field in dataclasses.fields(cls) if field.init)
        _FIELD_NAMES[cls] = names
    return names
