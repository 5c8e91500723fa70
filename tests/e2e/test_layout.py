"""Pages as a phone shows them, WCAG 2.1 AA on every page, and lists of names as each language writes them.

On a 390×844 phone, every page of the URLconf (tests/e2e/walk.py), as each kind of person who may open it,
in Chinese and in English: axe-core finds nothing against WCAG 2.0/2.1 A and AA (in Chinese, the default
language; its rules do not depend on the width, and the journeys check their own steps at a desk and on
phones, in both languages), nothing is wider than the screen, no table is wider than the screen (a table
that cannot fit becomes a column of cards: `table-cards` in static/css/app.css), no table cell is squeezed
narrower than a few characters with its text wrapped inside, no header or button breaks inside a word
(场地 is not 场 / 地), and every button is wholly on the screen. The pages with tables are photographed in
var/screenshots/phone/.
"""

from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import translation

from .axe import violations
from .conftest import PHONE, SCREENSHOTS
from .walk import html_pages, open_pages, people, world  # noqa: F401 - the walk's world fixture

pytestmark = pytest.mark.e2e

# What does not fit a phone on the page as it is now, one line per problem.
DOES_NOT_FIT = """() => {
  const width = window.innerWidth, em = parseFloat(getComputedStyle(document.body).fontSize), problems = [];
  const name = (e) => (e.innerText || e.value || e.getAttribute("aria-label") || e.title || e.className)
    .trim().replace(/\\s+/g, " ").slice(0, 40);
  const lines = (text) => {
    const range = document.createRange();
    range.selectNodeContents(text);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.bottom))).size;
  };
  const texts = (cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), found = [];
    while (walker.nextNode()) if (walker.currentNode.textContent.trim()) found.push(walker.currentNode);
    return found;
  };
  const wide = document.documentElement.scrollWidth;
  if (wide > width) problems.push(`the page is ${wide}px wide, the screen ${width}px`);
  const tables = [...document.querySelectorAll("table")].filter((t) => t.checkVisibility());
  for (const table of tables) {
    const box = table.getBoundingClientRect();
    const headers = [...table.querySelectorAll("th")].map(name).join(" | ") || name(table.rows[0] || table);
    if (box.left < -0.5 || box.right > width + 0.5)
      problems.push(`a table is ${Math.round(box.width)}px wide, the screen ${width}px: ${headers}`);
    for (const cell of table.querySelectorAll("th, td")) {
      if (!cell.checkVisibility()) continue;
      const style = getComputedStyle(cell);
      const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      for (const text of texts(cell)) {
        const count = lines(text), words = text.textContent.trim().split(/\\s+/).length;
        if (count > 1 && inner < 4 * em)
          problems.push(`the cell "${name(cell)}" is ${Math.round(inner)}px wide and wraps its text on ${count} lines`);
        else if (cell.tagName === "TH" && count > words)
          problems.push(`the header "${name(cell)}" breaks inside a word (${count} lines)`);
      }
    }
  }
  for (const button of document.querySelectorAll("main .btn, main button, main [type=submit]")) {
    if (!button.checkVisibility()) continue;
    const r = button.getBoundingClientRect();
    if (r.width && (r.left < -0.5 || r.right > width + 0.5))
      problems.push(`the button "${name(button)}" is not wholly on the screen (${Math.round(r.left)}–${Math.round(r.right)}px)`);
    for (const text of texts(button))
      if (lines(text) > text.textContent.trim().split(/\\s+/).length)
        problems.push(`the button "${name(button)}" breaks inside a word (${lines(text)} lines)`);
  }
  return {problems, tables: tables.length};
}"""


def test_every_page_fits_a_phone_and_axe_finds_nothing_on_it(world, browser, english_browser, live_server):  # noqa: F811
    pages_with = defaultdict(list)  # a problem → the pages it is on
    axe_finds = defaultdict(list)  # a problem (rule, element) → the pages it is on
    with_tables, checked = set(), []
    folder = SCREENSHOTS / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    pages = None
    for language, chromium in (("zh-hans", browser), ("en", english_browser)):
        with people(chromium, world, live_server.url, language=language, **PHONE) as crowd:
            pages = pages or html_pages(crowd, world)
            for visit, page in open_pages(crowd, world, pages):
                where = f"{visit} in {language} ({page.url.removeprefix(live_server.url)})"
                if language == "zh-hans":
                    checked.append(str(visit))
                    for problem in violations(page):
                        axe_finds[problem].append(where)
                found = page.evaluate(DOES_NOT_FIT)
                for problem in found["problems"]:
                    pages_with[problem].append(where)
                if found["tables"]:
                    with_tables.add(str(visit))
                    name = f"{visit.key.replace(':', '-').replace('@', '-')}-{visit.role}-{language[:2]}.png"
                    page.screenshot(path=folder / name, full_page=True)
    # Pages with tables today: the walk reaches them (and a page that loses its table must leave this list).
    for page in ("sessions_manage:program as administrator", "sessions_manage:program_list as administrator",
                 "sessions_manage:venue_list as administrator", "participants:completion as administrator",
                 "participants:roster as administrator", "participants:attendance_roster as faculty"):  # fmt: skip
        assert page in with_tables, f"{page} shows no table: {sorted(with_tables)}"
    assert len(checked) > 60, f"the walk opened only {len(checked)} pages: {checked}"
    problems = [f"{len(pages_with)} thing(s) do not fit a 390 px phone:", *_listed(pages_with)] if pages_with else []
    if axe_finds:
        problems += [f"axe finds {len(axe_finds)} WCAG 2.1 AA problem(s):", *_listed(axe_finds)]
    assert not problems, "\n".join(problems)


def _listed(found: dict[str, list[str]]) -> list[str]:
    return [f"{problem}\n    on {', '.join(pages)}" for problem, pages in found.items()]


def test_names_are_listed_as_the_language_writes_them(world, browser, live_server):  # noqa: F811
    """A session taught by two: the administrator's session list, the timetable and the faculty portal name
    both, joined with ", " in English and "、" in Chinese."""
    session = world.program.sessions.get(title_zh="往期课0")
    pages = {
        "administrator": reverse("sessions_manage:program", args=[world.program.slug]),
        "lawyer": reverse("sessions:schedule", args=[world.program.slug]),
        "faculty": reverse("faculty:portal"),
    }
    for language, separator, other in (("en", ", ", "、"), ("zh-hans", "、", ", ")):
        with translation.override(language):
            names = [assignment.faculty.name for assignment in session.assignments.select_related("faculty")]
        assert len(names) == 2
        with people(browser, world, live_server.url, language=language) as crowd:
            for role, url in pages.items():
                page = crowd.context(role).new_page()
                page.goto(url)
                text = page.locator("main").inner_text()
                where = f"{url} as {role} in {language}"
                assert separator.join(names) in text, f"{where}: {names} not joined by {separator!r}"
                assert other.join(names) not in text, f"{where}: {names} joined by {other!r}"
