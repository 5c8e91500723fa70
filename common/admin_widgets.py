"""The admin's autocomplete fields without Django's 500 on a submitted value that is not a key.

When a form with an autocomplete field is shown again (another field had an error, or this one named
no row), Django's widget looks the submitted values up to label them; a value that cannot even be a
key (`user=abc`, `1.5`) makes that query raise ValueError instead of the form saying "Select a valid
choice". Every ModelAdmin and inline with `autocomplete_fields` mixes in `SafeAutocompleteAdmin`
(tests/platform/test_admin_forms.py tries every admin form with such values).
"""

from django.contrib.admin import widgets
from django.core.exceptions import ValidationError


class _ValidKeysOnly:
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        return super().optgroups(name, [v for v in value if _is_key(key, v)], attr)


def _is_key(field, value) -> bool:
    try:
        field.clean(value, None)
    except ValidationError:
        return False
    return True


class AutocompleteSelect(_ValidKeysOnly, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_ValidKeysOnly, widgets.AutocompleteSelectMultiple):
    pass


class SafeAutocompleteAdmin:
    """For a ModelAdmin or an inline: its autocomplete fields use the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
