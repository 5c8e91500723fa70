"""Administrators: each province's quota on a program — the table edited in place, one quota for several
provinces at once, a spreadsheet of quotas — with the admitted lawyers beside it and the history below."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.permissions import administrator_required
from sessions.models import Program

from ..importing import ImportFileError
from ..models import QUOTA_MAX_SEATS, Province, QuotaChange
from ..services import quotas

HISTORY_SHOWN = 20


class QuotaTableForm(forms.Form):
    """The table: a quota field per province (empty: no limit) and, hidden, the value the page showed,
    so that only what this person changed is saved, and a change made meanwhile by someone else is not
    silently overwritten."""

    def __init__(self, table: quotas.QuotaTable, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = table.lines
        for line in table.lines:
            code, name = line.province.code, {"province": line.province.name}
            self.fields[f"seats_{code}"] = forms.IntegerField(
                label=line.province.name,
                required=False,
                min_value=0,
                max_value=QUOTA_MAX_SEATS,
                initial=line.seats,
                # Each message names its province: the list above the table repeats them.
                error_messages={
                    "invalid": _("%(province)s: enter a whole number, or leave the quota empty for no limit.") % name,
                    "min_value": _("%(province)s: a quota cannot be negative.") % name,
                    "max_value": _("%(province)s: a quota is at most %(max)s.") % {**name, "max": QUOTA_MAX_SEATS},
                },
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control form-control-sm quota-input",
                        "placeholder": _("No limit"),
                        "inputmode": "numeric",
                        "aria-label": _("Quota of %(province)s") % name,
                    }
                ),
            )
            self.fields[f"was_{code}"] = forms.IntegerField(
                required=False, initial=line.seats, widget=forms.HiddenInput
            )

    def rows(self):
        for line in self.lines:
            code = line.province.code
            if self.is_bound and self.errors.get(f"seats_{code}"):
                self.fields[f"seats_{code}"].widget.attrs["class"] += " is-invalid"
            yield line, self[f"seats_{code}"], self[f"was_{code}"]

    def changes(self) -> tuple[dict[Province, int | None], dict[Province, int | None]]:
        """The quotas this person changed, and what each was when the page was served."""
        seats, expected = {}, {}
        for line in self.lines:
            code = line.province.code
            new, was = self.cleaned_data[f"seats_{code}"], self.cleaned_data[f"was_{code}"]
            if new != was:
                seats[line.province], expected[line.province] = new, was
        return seats, expected

    def rebased(self, table: quotas.QuotaTable) -> "QuotaTableForm":
        """This form over the quotas as they are now: this person's changes kept, every other quota and
        what each one "was" brought up to date, so that saving again saves exactly their changes."""
        data = self.data.copy()
        for line in table.lines:
            code = line.province.code
            current = "" if line.seats is None else str(line.seats)
            if self.cleaned_data[f"seats_{code}"] == self.cleaned_data[f"was_{code}"]:
                data[f"seats_{code}"] = current
            data[f"was_{code}"] = current
        form = QuotaTableForm(table, data)
        form.is_valid()
        return form


class QuotaBulkForm(forms.Form):
    CHOSEN, ALL = "chosen", "all"

    seats = forms.IntegerField(
        label=gettext_lazy("Quota"),
        required=False,
        min_value=0,
        max_value=QUOTA_MAX_SEATS,
        help_text=gettext_lazy("Empty: no limit."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": gettext_lazy("No limit")}),
    )
    # The tick boxes in the table's rows (form="quota-bulk").
    provinces = forms.ModelMultipleChoiceField(
        queryset=Province.objects.all(), to_field_name="code", required=False, widget=forms.MultipleHiddenInput
    )
    # The button pressed; Enter in the quota field presses the first, for the ticked provinces.
    scope = forms.ChoiceField(choices=[(CHOSEN, CHOSEN), (ALL, ALL)], required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        data["scope"] = data.get("scope") or self.CHOSEN
        if data["scope"] == self.CHOSEN and not data.get("provinces"):
            raise forms.ValidationError(_("Tick the provinces in the table first, or set the quota for all of them."))
        return data


class QuotaImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet of quotas"),
        help_text=gettext_lazy("CSV (UTF-8 or GBK, as Excel and WPS save it) or XLSX; first row: column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _page(request, program: Program, **forms_and_problems):
    table = forms_and_problems.pop("table", None) or quotas.quota_table(program)
    table_form = forms_and_problems.pop("table_form", None) or QuotaTableForm(table)
    bulk_form = forms_and_problems.pop("bulk_form", None) or QuotaBulkForm()
    context = {
        "program": program,
        "table": table,
        "table_form": table_form,
        "bulk_form": bulk_form,
        "import_form": forms_and_problems.pop("import_form", None) or QuotaImportForm(),
        "problems": forms_and_problems.pop("problems", []),
        "chosen": set(bulk_form.data.getlist("provinces")) if bulk_form.is_bound else set(),
        "columns": [quotas.column_names(name) for name in quotas.COLUMNS],
        "no_limit_words": quotas.NO_LIMIT,
        "changes": QuotaChange.objects.filter(program=program).select_related("province", "changed_by")[:HISTORY_SHOWN],
        "max_seats": QUOTA_MAX_SEATS,
    }
    return render(request, "participants/manage/quotas.html", context)


def _done(request, changes: list[QuotaChange]) -> None:
    if changes:
        messages.success(
            request,
            ngettext("%(count)s quota changed.", "%(count)s quotas changed.", len(changes)) % {"count": len(changes)},
        )
    else:
        messages.info(request, _("Nothing changed: every quota already had that value."))


@administrator_required
def quota_table(request, slug):
    """The table of the 34 provinces; a POST saves the quotas changed in it."""
    program = get_object_or_404(Program, slug=slug)
    if request.method != "POST":
        return _page(request, program)
    form = QuotaTableForm(quotas.quota_table(program), request.POST)
    if form.is_valid():
        seats, expected = form.changes()
        try:
            changes = quotas.quotas_set(
                program=program, seats=seats, expected=expected, by=request.user, source=QuotaChange.Source.TABLE
            )
        except quotas.QuotaRefused as refused:
            table = quotas.quota_table(program)
            form = form.rebased(table)
            for province, message in refused.by_province.items():
                form.add_error(f"seats_{province.code}", message)
            return _page(request, program, table=table, table_form=form)
        else:
            _done(request, changes)
            return redirect("participants:quotas", slug=program.slug)
    return _page(request, program, table_form=form)


@administrator_required
def quota_bulk(request, slug):
    """One quota for the provinces ticked in the table, or for all of them."""
    program = get_object_or_404(Program, slug=slug)
    if request.method != "POST":  # the address of a refused form, loaded again: the page itself
        return redirect("participants:quotas", slug=program.slug)
    form = QuotaBulkForm(request.POST)
    if form.is_valid():
        chosen = None if form.cleaned_data["scope"] == QuotaBulkForm.ALL else form.cleaned_data["provinces"]
        try:
            changes = quotas.quotas_set_all(
                program=program, seats=form.cleaned_data["seats"], provinces=chosen, by=request.user
            )
        except quotas.QuotaRefused as refused:
            for message in refused.messages:
                form.add_error(None, message)
        else:
            _done(request, changes)
            return redirect("participants:quotas", slug=program.slug)
    return _page(request, program, bulk_form=form)


@administrator_required
def quota_import(request, slug):
    """A spreadsheet of quotas: all of its rows applied, or none, each bad row named."""
    program = get_object_or_404(Program, slug=slug)
    if request.method != "POST":
        return redirect("participants:quotas", slug=program.slug)
    form = QuotaImportForm(request.POST, request.FILES)
    problems = []
    if form.is_valid():
        try:
            changes = quotas.quotas_import(program=program, uploaded=form.cleaned_data["file"], by=request.user)
        except ImportFileError as error:
            form.add_error("file", str(error))
        except quotas.QuotaFileRefused as refused:
            problems = refused.problems
            form.add_error(
                "file",
                ngettext(
                    "Nothing was changed: %(count)s problem in the file.",
                    "Nothing was changed: %(count)s problems in the file.",
                    len(problems),
                )
                % {"count": len(problems)},
            )
        else:
            _done(request, changes)
            return redirect("participants:quotas", slug=program.slug)
    return _page(request, program, import_form=form, problems=problems)
