from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.models import Faculty

from .models import Material


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)  # the service refuses it, naming the file
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        return [single(item, initial) for item in data] if isinstance(data, list | tuple) else [single(data, initial)]


class MaterialForm(forms.ModelForm):
    files = MultipleFileField(
        label=_("Files"), help_text=_("One or several: PDF, Word, PowerPoint, Excel, images, ZIP.")
    )

    class Meta:
        model = Material
        fields = ["title", "description", "language", "visibility", "release_at", "confidential"]
        widgets = {
            "release_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"title": _("For one file; several files are each titled by their file name.")}

    field_order = ["files", "title", "description", "language", "visibility", "release_at", "confidential"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["release_at"].input_formats = ["%Y-%m-%dT%H:%M"]


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"))


class FacultyProfileForm(forms.ModelForm):
    """What faculty keep current themselves; their name and affiliation are the office's."""

    class Meta:
        model = Faculty
        fields = ["title_zh", "title_en", "bio_zh", "bio_en", "expertise_zh", "expertise_en", "languages", "photo"]
        widgets = {"bio_zh": forms.Textarea(attrs={"rows": 4}), "bio_en": forms.Textarea(attrs={"rows": 4})}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "size") and photo.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The photo is larger than 5 MB."))
        return photo
