"""A nomination's state named in the reader's language, from its stored value (a notice holds plain values)."""

from django import template

from ..models import NominationState

register = template.Library()


@register.filter
def nomination_state(value: str) -> str:
    try:
        return str(NominationState(value).label)
    except ValueError:
        return value
