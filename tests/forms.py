"""The forms of a served page as a browser holds them, and what it sends when the person presses a button;
and the text of a page's parts, for reading what it shows. The one HTML reader of the tests.

Parsed with the standard library's HTML parser and following the HTML standard's "constructing the entry
list": controls inside a <template> or a disabled fieldset, disabled controls, unchecked boxes and buttons
other than the one pressed are not sent; a select with nothing selected sends its first option; a textarea
drops the newline after its opening tag and sends CRLF line breaks; a file input with no file sends an
empty file part; controls outside a form join the form their form="id" names.

A test finds a form as a person does, by the words on its button (`find_form(html, button="Save")`) or
where it sends (`action=`), fills it (`form.fill(name=value)`: text, a choice, ticks, a file) and
presses a button (`form.submit(client, page_url, press="Save")`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

NOT_SENT = {"reset", "button", "image"}  # input types that never make an entry (image only as the submitter)
SUBMIT = "submit"
OCTETS = "application/octet-stream"
# Inputs that pick a row by its key although they are text boxes: the Django admin's raw-id fields.
KEY_BOXES = ("vForeignKeyRawIdAdminField", "vManyToManyRawIdAdminField")


@dataclass
class Option:
    value: str
    selected: bool
    disabled: bool
    label: str = ""


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
    label: str = ""  # a button's words: its text, or an input button's value
    file: object = None  # a file input's chosen file: an UploadedFile (its name and content)

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

    @property
    def picks(self) -> bool:
        """Picks one of a list: a select, radio buttons, or a box for a row's key (the admin's raw id)."""
        classes = (self.attrs.get("class") or "").split()
        return self.tag == "select" or self.type == "radio" or any(box in classes for box in KEY_BOXES)

    def selected(self) -> list[Option]:
        """The options a browser would send: those marked selected, else (a one-line select) the first."""
        usable = [o for o in self.options if not o.disabled]
        chosen = [o for o in usable if o.selected]
        if self.type == "select-multiple":
            return chosen
        return chosen[-1:] or usable[:1]

    def choose(self, *values: str) -> None:
        """Select these options (one, unless the select takes several), as a person picks them."""
        offered = {o.value for o in self.options}
        assert set(values) <= offered, f"{self.name} offers no option {sorted(set(values) - offered)}"
        assert len(values) <= 1 or self.type == "select-multiple", f"{self.name} takes one option"
        for option in self.options:
            option.selected = option.value in values

    def entries(self) -> list[tuple[str, object]]:
        """(name, value) pairs this control adds to the form's data; a file input's value is its file or None."""
        if self.type == "file":
            return [(self.name, self.file)]
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
    in_main: bool = False  # inside the page's <main>: the page's own, not the navigation's

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

    def pickers(self) -> list[str]:
        """The names of the fields that pick from a list (selects, radio buttons, the admin's key boxes)."""
        return sorted({c.name for c in self.fields() if c.name and c.picks})

    def buttons(self) -> list[Control]:
        """The buttons that submit the form, in order."""
        return [c for c in self.controls if c.is_submit and not c.disabled]

    def button(self, words: str) -> Control:
        """The button whose words contain `words` (the first, if several do)."""
        found = [c for c in self.buttons() if words in c.label]
        assert found, f"no button says {words!r}: {[c.label for c in self.buttons()]}"
        return found[0]

    def submitter(self) -> Control | None:
        """The first submit button: the one pressing Enter in a field presses, and the form's main one."""
        return next(iter(self.buttons()), None)

    def fill(self, **values) -> ServedForm:
        """Type, choose, tick or attach, field by field, as a person would: a text for a box, an option's value
        for a select (a list for several), the value(s) of the boxes to tick (the others are unticked) or the
        radio button to check, an UploadedFile for a file input. The field must be on the form."""
        for name, value in values.items():
            controls = self.named(name)
            assert controls, f"the form serves no field {name!r}: {sorted({c.name for c in self.fields()})}"
            wanted = [str(v) for v in value] if isinstance(value, list | tuple) else [value]
            first = controls[0]
            if first.is_choice:
                offered = {c.value for c in controls}
                assert set(map(str, wanted)) <= offered, f"{name} offers no {sorted(set(wanted) - offered)}"
                for control in controls:
                    control.checked = control.value in wanted
            elif first.tag == "select":
                first.choose(*map(str, wanted))
            elif first.type == "file":
                first.file = value
            else:
                assert len(controls) == 1 and len(wanted) == 1, f"{name}: one box, one value"
                first.value = "" if value is None else str(value)
        return self

    def entries(self, submitter: Control | None = None) -> list[tuple[str, object]]:
        """What the browser sends, pressing `submitter` (else the first submit button)."""
        submitter = submitter or self.submitter()
        found: list[tuple[str, object]] = []
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
        """What the form would send, by name (the CSRF token and file inputs aside): to compare two servings of
        a form, or to send with changes through the test client."""
        found: dict[str, list[str]] = {}
        for name, value in self.entries():
            if name != "csrfmiddlewaretoken" and isinstance(value, str):
                found.setdefault(name, []).append(value)
        return found

    def submit(self, client, page_url: str, *, press: str | None = None, **extra):
        """POST what the browser would send, pressing the button whose words contain `press` (else the first),
        encoded as the browser would encode it."""
        entries = self.entries(self.button(press) if press else None)
        if self.multipart:
            body, content_type = _multipart(entries)
        else:
            body = urlencode([(name, _text(value)) for name, value in entries])
            content_type = "application/x-www-form-urlencoded"
        return client.post(self.action(page_url), body, content_type=content_type, **extra)


def _text(value) -> str:
    """A value as a urlencoded form sends it: a file input sends its file's name."""
    if value is None or isinstance(value, str):
        return value or ""
    return value.name


def _multipart(entries: list[tuple[str, object]]) -> tuple[bytes, str]:
    boundary = "----served" + secrets.token_hex(8)
    parts = []
    for name, value in entries:
        quoted = name.replace('"', "%22")
        if value is None:  # a file input with no file chosen: an empty part with an empty file name
            head = f'Content-Disposition: form-data; name="{quoted}"; filename=""\r\nContent-Type: {OCTETS}'
            parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + b"\r\n")
        elif not isinstance(value, str):  # a chosen file
            value.seek(0)
            filename = value.name.replace('"', "%22")
            kind = getattr(value, "content_type", None) or OCTETS
            head = f'Content-Disposition: form-data; name="{quoted}"; filename="{filename}"\r\nContent-Type: {kind}'
            parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + value.read() + b"\r\n")
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
        self.main_depth = 0
        self.template_depth = 0
        self.fieldsets: list[bool] = []  # disabled or not, innermost last
        self.select: Control | None = None
        self.option: Option | None = None
        self.option_text: list[str] | None = None
        self.textarea: Control | None = None
        self.button: Control | None = None
        self.text: list[str] = []
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value if value is not None else "" for name, value in attrs}
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if tag == "main":
            self.main_depth += 1
        elif tag == "form":
            if self.form is None:  # a form inside a form is ignored by browsers
                self.form = ServedForm(attrs, in_main=bool(self.main_depth))
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
            control.label = control.value if kind in (SUBMIT, "button", "reset") else ""
        elif tag == "button":
            kind = (attrs.get("type") or SUBMIT).lower()
            control = self.button = Control(tag, kind, attrs.get("name", ""), attrs, attrs.get("value", ""))
            self.words = []
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
        elif self.button is not None:
            self.words.append(data)

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth = max(0, self.template_depth - 1)
            return
        if self.template_depth:
            return
        if tag == "main":
            self.main_depth = max(0, self.main_depth - 1)
        elif tag == "form":
            self.form = None
        elif tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            self.select = None
        elif tag == "button" and self.button is not None:
            self.button.label = " ".join("".join(self.words).split())
            self.button = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.textarea.value = text[1:] if text.startswith("\n") else text
            self.textarea = None

    def _end_option(self) -> None:
        if self.option is not None:
            self.option.label = " ".join("".join(self.option_text or []).split())
            if self.option.value is None:  # no value attribute: the option's text is its value
                self.option.value = self.option.label
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


def find_form(
    html: str,
    *,
    button: str | None = None,
    action: str | None = None,
    page_url: str = "",
    method: str = "post",
    **attrs: str,
) -> ServedForm:
    """The one form of the page's own part (its <main>; the whole of a fragment) that a person would use:
    with a button whose words contain `button`, sending to `action` (a path, as `page_url` resolves the
    form's), with these attributes (id="quota-table"). Fails, listing the forms, unless exactly one is."""
    forms = [f for f in served_forms(html) if f.method == method]
    if any(f.in_main for f in forms):
        forms = [f for f in forms if f.in_main]
    found = [
        f
        for f in forms
        if (button is None or any(button in b.label for b in f.buttons()))
        and (action is None or f.action(page_url or action) == action)
        and all(f.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items())
    ]
    assert len(found) == 1, (
        f"{len(found)} {method.upper()} forms with button {button!r}, action {action!r}, {attrs}; the page has: "
        + "; ".join(f"{f.attrs.get('action', '')!r} [{', '.join(b.label for b in f.buttons())}]" for f in forms)
    )
    return found[0]


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


# --- what the page shows -------------------------------------------------------------------------------
@dataclass
class Element:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)  # Elements and texts, in order

    @property
    def text(self) -> str:
        """The words the element shows, spaces collapsed."""
        return " ".join(self._texts().split())

    def _texts(self) -> str:
        return " ".join(child if isinstance(child, str) else child._texts() for child in self.children)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """The elements inside this one with the tag and attributes given (data_testid= for data-testid;
        class_= for one of the classes), in document order."""
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.matches(tag, attrs):
                    found.append(child)
                found += child.find_all(tag, **attrs)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        """The one element inside this one that matches; fails unless exactly one does."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag or '*'} {attrs}> elements where one was expected"
        return found[0]

    def matches(self, tag: str | None, attrs: dict) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for name, value in attrs.items():
            if name == "class_":
                if value not in (self.attrs.get("class") or "").split():
                    return False
            elif self.attrs.get(name.replace("_", "-")) != value:
                return False
        return True


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        # An end tag closes its element and any left open inside it; a stray one is ignored, as browsers do.
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def page(html: str) -> Element:
    """The page as a tree of elements, to find what it shows: `page(html).find(data_testid="waitlist").text`."""
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


CONTROLS = ("input", "select", "textarea")


def notes_beside(html: str) -> dict[str, list[str]]:
    """For each control marked invalid (Bootstrap's is-invalid, or aria-invalid), by name: the error notes
    beside it, those (invalid-feedback) in the smallest part of the page around it that holds a note and no
    other field's control. A note only at the top of the form, or by another field, is beside no field."""
    root, found = page(html), {}

    def walk(element: Element, ancestors: list[Element]) -> None:
        for child in element.children:
            if not isinstance(child, Element):
                continue
            classes = (child.attrs.get("class") or "").split()
            invalid = "is-invalid" in classes or child.attrs.get("aria-invalid") == "true"
            if child.tag in CONTROLS and invalid and child.attrs.get("name"):
                found.setdefault(child.attrs["name"], [])
                found[child.attrs["name"]] += _notes_around(child.attrs["name"], ancestors)
            walk(child, [*ancestors, child])

    walk(root, [])
    return found


def _notes_around(name: str, ancestors: list[Element]) -> list[str]:
    base = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1].isdigit() else name  # a multi-widget field's part
    for around in reversed(ancestors):
        notes = [e.text for e in around.find_all(class_="invalid-feedback") if e.text]
        if not notes:
            continue
        names = {e.attrs.get("name") for e in around.find_all() if e.tag in CONTROLS and e.attrs.get("name")}
        others = {n for n in names if n != name and not n.startswith(base + "_") and n != base}
        return [] if others else notes
    return []
