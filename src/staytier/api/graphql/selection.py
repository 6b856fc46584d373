"""Looking ahead at what an operation selects, so a resolver reads only what is asked.

A mutation's payload offers the guest it changed, but most clients ask only for the
outcome and the userErrors: a booking site posting a stay reads ``stay { status }``.
Reading the guest anyway costs statements on every call (the member, as the client may
see them), so the payload reads it only when the operation selects it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection


def selects(info: Info[Any, Any], name: str) -> bool:
    """Whether the field being resolved is asked for its child field ``name`` (the
    schema's name, whatever the alias), directly or through a fragment. A selection under
    ``@skip`` or ``@include`` counts as asked: at worst something is read for nothing."""
    return any(_asks(field.selections, name) for field in info.selected_fields)


def _asks(selections: Iterable[Selection], name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif _asks(selection.selections, name):  # an inline fragment or a spread
            return True
    return False
