"""What every answer of the application carries: the security headers, and CSRF tokens in its POST forms."""

from __future__ import annotations

import json
from html.parser import HTMLParser


class Forms(HTMLParser):
    """The forms of a page (method, action, CSRF token) and htmx requests made outside a form."""

    HX_WRITES = ("hx-post", "hx-put", "hx-patch", "hx-delete")

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.open: list[dict] = []
        self.loose_writes: list[str] = []
        self.body_headers: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body_headers = attrs.get("hx-headers")
        if tag == "form":
            form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or attrs.get("hx-post") or "",
                "hx": any(name in attrs for name in self.HX_WRITES),
                "token": None,
            }
            self.forms.append(form)
            self.open.append(form)
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.open:
            self.open[-1]["token"] = attrs.get("value") or ""
        if tag != "form" and not self.open:
            self.loose_writes += [f"<{tag} {name}={attrs[name]}>" for name in self.HX_WRITES if name in attrs]

    def handle_endtag(self, tag):
        if tag == "form" and self.open:
            self.open.pop()


def check_forms(html: str, where: str) -> None:
    parsed = Forms()
    parsed.feed(html)
    for form in parsed.forms:
        posts = form["method"] == "post" or form["hx"]
        if posts:
            assert form["token"], f"{where}: the form posting to {form['action']!r} has no csrfmiddlewaretoken"
        else:
            assert form["token"] is None, f"{where}: the GET form to {form['action']!r} would put the token in a URL"
    # htmx sends the token from the page's <body hx-headers>; a fragment is swapped into such a page.
    if parsed.loose_writes and (parsed.body_headers is not None or "<body" in html):
        token = json.loads(parsed.body_headers or "{}").get("X-CSRFToken")
        assert token, f"{where}: {parsed.loose_writes[0]} posts but the page gives htmx no X-CSRFToken"


def check_headers(response, where: str) -> None:
    assert response.get("X-Content-Type-Options") == "nosniff", f"{where}: no X-Content-Type-Options: nosniff"
    assert response.get("X-Frame-Options") == "DENY", f"{where}: X-Frame-Options is {response.get('X-Frame-Options')}"
    assert response.get("Referrer-Policy") == "same-origin", f"{where}: Referrer-Policy missing"
    if response.get("Content-Type", "").startswith("text/html"):
        policy = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, f"{where}: no CSP: {policy!r}"
