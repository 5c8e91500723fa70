"""Stencils: a template fragment rendered once with stand-ins for its row's values, then filled in for each row.

For long lists whose rows differ only in their values: the door roster's rows cost ~60 µs each rendered one by
one (a template lookup, localisation and escaping per value), ~3 µs filled in. The stand-ins are NUL-delimited
names, which no value can hold (PostgreSQL text has no NUL, and requests carrying one are refused), so a value
never passes for a stand-in. Values are escaped as the template would; what decides the markup (a status shown
as a class, an optional line) belongs in the context, with one stencil for each of its values.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

_STAND_IN = re.compile("\x00(\\w+)\x00")


class Stencil:
    def __init__(self, template: str, context: dict, fields: Iterable[str], *, name: str = "row"):
        """`template` (a partial, usually) rendered with `context` and, as `name`, an object whose `fields` are
        stand-ins; the template shows those as they are (`{{ row.title }}`), without filters."""
        stand_in = SimpleNamespace(**{field: mark_safe(f"\x00{field}\x00") for field in fields})  # noqa: S308
        self.parts = _STAND_IN.split(render_to_string(template, {**context, name: stand_in}))

    def fill(self, values: Mapping[str, object]) -> SafeString:
        escaped = {field: _escape(value) for field, value in values.items()}
        parts = self.parts
        return mark_safe(  # noqa: S308 - the template's markup, and values escaped as it would
            "".join(part if n % 2 == 0 else escaped[part] for n, part in enumerate(parts))
        )


def _escape(value: object) -> str:
    """As the template escapes a value (django.utils.html.escape, without its lazy wrapper: this runs per value)."""
    return value if isinstance(value, SafeString) else html.escape(str(value))
