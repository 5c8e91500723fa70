"""axe-core (tests/e2e/vendor/axe.min.js) in a Playwright page: what it finds against WCAG 2.0/2.1 A and AA.

The source is evaluated through the DevTools protocol rather than added as a <script> tag: the application's
Content-Security-Policy refuses inline scripts, and the pages are checked with that policy in force.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    rule: v.id, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 160), summary: n.failureSummary})),
  }));
}"""


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """One line per element axe finds wrong on the page as it is now: the rule, its summary and the element."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
    found = page.evaluate(RUN, WCAG_AA)
    return [
        f"{v['rule']} ({v['help']}): {node['target']} {node['html']!r} — {' '.join(node['summary'].split())}"
        for v in found
        for node in v["nodes"]
    ]


def assert_accessible(page, where: str) -> None:
    problems = violations(page)
    assert not problems, f"{where}: axe finds {len(problems)} WCAG 2.1 AA problem(s):\n  " + "\n  ".join(problems)
