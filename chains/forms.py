"""Forms of the creatives' portal. They parse input only; the rules live in chains.services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chains import limits
from chains.models import Creative, CreativeKind, PortfolioImage
from chains.selectors import discipline_list


def add_service_errors(form: forms.Form, error: ValidationError,
                       fields: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one, once.

    `fields` names the form field for a service key the form calls otherwise (the service's
    `actual_end` is the end form's `on`); any other key is a non-field error at the top.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        field = (fields or {}).get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def focus_first_error(form: forms.Form) -> None:
    """Bring the user to what failed: `autofocus` on the first field with an error (browsers
    scroll to it), else on the form's errors at the top (see chains/_form_fields.html)."""
    for bound in form:
        if bound.errors and not bound.is_hidden:
            bound.field.widget.attrs["autofocus"] = True
            return
    if form.non_field_errors():
        form.focus_non_field_errors = True


def write_with_form(form: forms.Form, write, fields: dict[str, str] | None = None) -> bool:
    """Call `write(cleaned_data)` (a service) when the form is valid; its ValidationError goes
    onto the form (`fields` as in add_service_errors). True when the write went through; when
    not, the first error gets the focus."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, fields)
        else:
            return True
    focus_first_error(form)
    return False


def add_service_messages(request, error: ValidationError) -> None:
    """Show a service's ValidationError as error messages, for actions without a form."""
    for message in error.messages:
        messages.error(request, message)


class TextareaField(forms.CharField):
    """A free text of several lines, at most `max_length` characters (the textarea's maxlength).

    A line break counts once, as the browser counts it against maxlength; it sends each as CR LF,
    so line breaks become LF before the length is checked, and a text the browser let through
    at the limit is not refused for its line breaks."""

    def __init__(self, *, max_length: int, rows: int = 4, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class DisciplineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.chain.display_name})"


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email"),
                             max_length=Creative._meta.get_field("email").max_length)
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    name = forms.CharField(
        label=_("Name"), max_length=Creative._meta.get_field("name").max_length,
        help_text=_("Your name, or the name of your duo, collective or company."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CreativeKind.choices,
                             initial=CreativeKind.PERSON)
    discipline = DisciplineChoiceField(label=_("Discipline"), queryset=discipline_list())


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=Creative._meta.get_field("name").max_length)
    kind = forms.ChoiceField(label=_("Kind"), choices=CreativeKind.choices)
    discipline = DisciplineChoiceField(label=_("Discipline"), queryset=discipline_list())
    bio = TextareaField(label=_("Bio"), required=False, max_length=limits.BIO, rows=5)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https",
                             max_length=Creative._meta.get_field("website").max_length)
    kvk_number = forms.CharField(label=_("KvK number"), required=False, max_length=20,
                                 help_text=_("8 digits, if you are registered."))
    email = forms.EmailField(label=_("Contact email"), required=False,
                             max_length=Creative._meta.get_field("email").max_length)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)

    @classmethod
    def initial_for(cls, creative: Creative) -> dict:
        return {name: getattr(creative, name) for name in cls.base_fields if name != "discipline"} | {
            "discipline": creative.discipline_id}


class PortfolioUploadForm(forms.Form):
    # A FileField, not an ImageField: chains.images decides what is an image, with one set of
    # messages for pages and API.
    image = forms.FileField(
        label=_("Image"), help_text=_("JPEG, PNG or WebP, at most 15 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(
        label=_("Caption"), required=False,
        max_length=PortfolioImage._meta.get_field("caption").max_length,
    )
