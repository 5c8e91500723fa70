"""Small template helpers shared by every screen."""

from django import template

from common.text import join_names

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced, e.g. for pagination links.

    A page may put a cleaned `query_base` in its context to build links from instead of request.GET.
    """
    base = context.get("query_base")
    query = (base if base is not None else context["request"].GET).copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode()


@register.filter
def pct_step(value) -> int:
    """A percentage rounded to a multiple of 5, for the `pct-N` width classes (no inline styles under our CSP)."""
    try:
        return max(0, min(100, 5 * round(float(value) / 5)))
    except (TypeError, ValueError):
        return 0


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` — a dictionary look-up by a variable key."""
    return mapping.get(key) if mapping else None


@register.filter(name="join_names")
def join_names_filter(items, attribute: str = "") -> str:
    """`session.assignments.all|join_names:"faculty.name"`: the names listed as the page's language writes a list
    (common.text.join_names). `attribute` is a dotted path from each item to its name; the result is plain text,
    escaped like any other value."""
    names = []
    for item in items:
        for part in attribute.split(".") if attribute else ():
            item = getattr(item, part)
        names.append(item)
    return join_names(names)
