"""`join_names`: the one way templates list names, as the page's language writes a list."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template('{% load ui %}{{ names|join_names }}|{{ people|join_names:"faculty.name" }}')


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Li Ming, &lt;b&gt;Chen&lt;/b&gt;"), ("zh-hans", "Li Ming、&lt;b&gt;Chen&lt;/b&gt;")],
)
def test_names_are_joined_as_the_language_lists_them_and_escaped(language, expected):
    names = ["Li Ming", "<b>Chen</b>"]
    people = [SimpleNamespace(faculty=SimpleNamespace(name=name)) for name in names]
    with translation.override(language):
        assert TEMPLATE.render(Context({"names": names, "people": people})) == f"{expected}|{expected}"


def test_no_names_is_nothing_and_one_name_is_itself():
    with translation.override("zh-hans"):
        assert (
            TEMPLATE.render(Context({"names": [], "people": [SimpleNamespace(faculty=SimpleNamespace(name="李明"))]}))
            == "|李明"
        )
