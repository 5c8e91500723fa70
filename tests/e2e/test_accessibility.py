"""WCAG 2.1 AA on every page of the URLconf: axe-core finds nothing on any page a person may open, as each
kind of person who may open it, at a desk (the journeys check the states only they reach, on phones too)."""

from collections import defaultdict

import pytest

from .axe import violations
from .conftest import DESKTOP
from .walk import html_pages, open_pages, people, world  # noqa: F401 - the walk's world fixture

pytestmark = pytest.mark.e2e


def test_axe_finds_nothing_on_any_page(world, browser, live_server):  # noqa: F811
    pages_with = defaultdict(list)  # a problem (rule, element) → the pages it is on
    checked = []
    with people(browser, world, live_server.url, **DESKTOP) as crowd:
        for visit, page in open_pages(crowd, world, html_pages(crowd, world)):
            checked.append(str(visit))
            for problem in violations(page):
                pages_with[problem].append(f"{visit} ({page.url.removeprefix(live_server.url)})")
    assert len(checked) > 60, f"the walk opened only {len(checked)} pages: {checked}"
    assert not pages_with, f"axe finds {len(pages_with)} problem(s) on these pages:\n" + "\n".join(
        f"{problem}\n    on {', '.join(pages)}" for problem, pages in pages_with.items()
    )
