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


class OnceNode(template.Node):
    # More values than any key of the layout takes (languages × roles × menu entries): past it, render as usual.
    LIMIT = 256

    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys
        self.rendered = {}

    def render(self, context):
        key = tuple(key.resolve(context) for key in self.keys)
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) < self.LIMIT:
                self.rendered[key] = html
        return html


@register.tag
def once(parser, token):
    """`{% once LANGUAGE_CODE … %}…{% endonce %}`: the part rendered once for each value of its keys, then its HTML
    served again (for as long as the process keeps the compiled template). For the fixed parts of the layout that
    every page repeats: what they show may depend only on the keys named (the language, the menu's roles, …) and on
    what never changes while the site runs (static and reversed URLs); never on the person, the page or a form's
    token. The keys take few values."""
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, keys)
