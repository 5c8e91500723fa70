"""The forms of a served page as a browser holds them, and what it sends when the person presses the button.

Parsed with the standard library's HTML parser and following the HTML standard's "constructing the entry
list": controls inside a <template> or a disabled fieldset, disabled controls, unchecked boxes and other
buttons are not sent; a select with nothing selected sends its first option; a textarea drops the newline
after its opening tag and sends CRLF line breaks; a file input with no file sends an empty file part.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

NOT_SENT = {"reset", "button", "image"}  # input types that never make an entry (image only as the submitter)
SUBMIT = "submit"
OCTETS = "application/octet-stream"


@dataclass
class Option:
    value: str
    selected: bool
    disabled: bool


@dataclass
class Control:
    tag: str  # input, select, textarea, button
    type: str  # an input's or button's type; "select-one", "select-multiple" or "textarea" for the others
    name: str
    attrs: dict
    value: str = ""
    checked: bool = False
    disabled: bool = False
    options: list[Option] = field(default_factory=list)

    @property
    def required(self) -> bool:
        return "required" in self.attrs

    @property
    def is_submit(self) -> bool:
        return self.type == SUBMIT

    @property
    def is_choice(self) -> bool:
        return self.type in ("checkbox", "radio")

    @property
    def visible(self) -> bool:
        return self.type != "hidden"

    def selected(self) -> list[Option]:
        """The options a browser would send: those marked selected, else (a one-line select) the first."""
        usable = [o for o in self.options if not o.disabled]
        chosen = [o for o in usable if o.selected]
        if self.type == "select-multiple":
            return chosen
        return chosen[-1:] or usable[:1]

    def choose(self, value: str) -> None:
        assert any(o.value == value for o in self.options), f"{self.name} offers no option {value!r}"
        for option in self.options:
            option.selected = option.value == value

    def entries(self) -> list[tuple[str, str | None]]:
        """(name, value) pairs this control adds to the form's data; a file input's value is None."""
        if self.type == "file":
            return [(self.name, None)]
        if self.tag == "select":
            return [(self.name, option.value) for option in self.selected()]
        if self.is_choice and not self.checked:
            return []
        if self.tag == "textarea":
            return [(self.name, self.value.replace("\r\n", "\n").replace("\n", "\r\n"))]
        if self.type == "hidden" and self.name == "_charset_":
            return [(self.name, "UTF-8")]
        return [(self.name, self.value)]


@dataclass
class ServedForm:
    attrs: dict
    controls: list[Control] = field(default_factory=list)

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").lower()

    @property
    def multipart(self) -> bool:
        return (self.attrs.get("enctype") or "").lower() == "multipart/form-data"

    def action(self, page_url: str) -> str:
        """The address the form posts to, as a path with its query (an empty action: the page itself)."""
        target = urlsplit(urljoin(page_url, self.attrs.get("action") or page_url))
        return target.path + (f"?{target.query}" if target.query else "")

    def fields(self) -> list[Control]:
        """The controls a person fills in (not the buttons, not the disabled ones)."""
        return [c for c in self.controls if not c.is_submit and not c.disabled and c.type not in NOT_SENT]

    def named(self, name: str) -> list[Control]:
        return [c for c in self.fields() if c.name == name]

    def submitter(self) -> Control | None:
        """The first submit button: the one pressing Enter in a field presses, and the form's main one."""
        return next((c for c in self.controls if c.is_submit and not c.disabled), None)

    def entries(self) -> list[tuple[str, str | None]]:
        submitter = self.submitter()
        found: list[tuple[str, str | None]] = []
        for control in self.controls:
            if control.disabled or not control.name or control.type in NOT_SENT:
                continue
            if control.is_submit:
                if control is submitter:
                    found.append((control.name, control.value))
                continue
            found += control.entries()
        return found

    def values(self) -> dict[str, list[str]]:
        """What the form would send, by name (the CSRF token aside): to compare two servings of a form."""
        found: dict[str, list[str]] = {}
        for name, value in self.entries():
            if name != "csrfmiddlewaretoken":
                found.setdefault(name, []).append(value)
        return found

    def submit(self, client, page_url: str, **extra):
        """POST what the browser would send, encoded as the browser would encode it."""
        entries = self.entries()
        if self.multipart:
            body, content_type = _multipart(entries)
        else:
            body = urlencode([(name, value or "") for name, value in entries])
            content_type = "application/x-www-form-urlencoded"
        return client.post(self.action(page_url), body, content_type=content_type, **extra)


def _multipart(entries: list[tuple[str, str | None]]) -> tuple[bytes, str]:
    boundary = "----served" + secrets.token_hex(8)
    parts = []
    for name, value in entries:
        quoted = name.replace('"', "%22")
        if value is None:  # a file input with no file chosen: an empty part with an empty file name
            head = f'Content-Disposition: form-data; name="{quoted}"; filename=""\r\nContent-Type: {OCTETS}'
            parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + b"\r\n")
        else:
            head = f'Content-Disposition: form-data; name="{quoted}"'
            parts.append(f"--{boundary}\r\n{head}\r\n\r\n{value}\r\n".encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[ServedForm] = []
        self.by_id: dict[str, ServedForm] = {}
        self.owned: list[tuple[str, Control]] = []  # controls naming their form with form="id"
        self.controls: list[Control] = []  # every control rendered, in a form or not
        self.form: ServedForm | None = None
        self.template_depth = 0
        self.fieldsets: list[bool] = []  # disabled or not, innermost last
        self.select: Control | None = None
        self.option: Option | None = None
        self.option_text: list[str] | None = None
        self.textarea: Control | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value if value is not None else "" for name, value in attrs}
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if tag == "form":
            if self.form is None:  # a form inside a form is ignored by browsers
                self.form = ServedForm(attrs)
                self.forms.append(self.form)
                if attrs.get("id"):
                    self.by_id[attrs["id"]] = self.form
        elif tag == "fieldset":
            self.fieldsets.append("disabled" in attrs)
        elif tag == "option" and self.select is not None:
            self._end_option()
            self.option = Option(attrs.get("value"), "selected" in attrs, "disabled" in attrs)
            self.option_text = []
        elif tag in ("input", "button", "select", "textarea"):
            self._control(tag, attrs)

    def _control(self, tag: str, attrs: dict) -> None:
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            default = "on" if kind in ("checkbox", "radio") else ""
            control = Control(tag, kind, attrs.get("name", ""), attrs, attrs.get("value", default), "checked" in attrs)
        elif tag == "button":
            kind = (attrs.get("type") or SUBMIT).lower()
            control = Control(tag, kind, attrs.get("name", ""), attrs, attrs.get("value", ""))
        elif tag == "select":
            kind = "select-multiple" if "multiple" in attrs else "select-one"
            control = self.select = Control(tag, kind, attrs.get("name", ""), attrs)
        else:
            control = self.textarea = Control(tag, "textarea", attrs.get("name", ""), attrs)
            self.text = []
        control.disabled = "disabled" in attrs or any(self.fieldsets)
        self.controls.append(control)
        if attrs.get("form"):
            self.owned.append((attrs["form"], control))
        elif self.form is not None:
            self.form.controls.append(control)

    def handle_data(self, data):
        if self.template_depth:
            return
        if self.textarea is not None:
            self.text.append(data)
        elif self.option_text is not None:
            self.option_text.append(data)

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth = max(0, self.template_depth - 1)
            return
        if self.template_depth:
            return
        if tag == "form":
            self.form = None
        elif tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.textarea.value = text[1:] if text.startswith("\n") else text
            self.textarea = None

    def _end_option(self) -> None:
        if self.option is not None:
            if self.option.value is None:  # no value attribute: the option's text is its value
                self.option.value = " ".join("".join(self.option_text or []).split())
            self.select.options.append(self.option)
        self.option = self.option_text = None


def _parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    for form_id, control in parser.owned:
        if form_id in parser.by_id:
            parser.by_id[form_id].controls.append(control)
    return parser


def served_forms(html: str) -> list[ServedForm]:
    """Every form of the page, each with its controls in document order."""
    return _parse(html).forms


def rendered_controls(html: str) -> set[str]:
    """The names of every input, select and textarea the page shows (in a form or not; not in a template)."""
    return {control.name for control in _parse(html).controls if control.name}


class _Feedback(HTMLParser):
    """Controls marked invalid, and the texts of the error notes beside fields (Bootstrap's invalid-feedback)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.invalid: list[str] = []
        self.notes: list[str] = []
        self.depth = 0  # inside an invalid-feedback element: how deep
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        classes = attrs.get("class", "").split()
        if tag in ("input", "select", "textarea") and ("is-invalid" in classes or attrs.get("aria-invalid") == "true"):
            self.invalid.append(attrs.get("name", ""))
        if self.depth:
            self.depth += tag not in VOID
        elif "invalid-feedback" in classes:
            self.depth, self.text = 1, []

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if not self.depth and "".join(self.text).strip():
                self.notes.append(" ".join("".join(self.text).split()))

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def field_feedback(html: str) -> tuple[list[str], list[str]]:
    """(names of the controls marked invalid, texts of the error notes beside fields) on the page."""
    parser = _Feedback()
    parser.feed(html)
    return parser.invalid, parser.notes
