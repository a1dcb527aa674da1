"""Every text a person enters has a most characters and every number a range (issue 9).

The limits live in broedplaats/limits.py and chains/limits.py. The class rule is checked by
walking the models, the pages' forms and the API's inputs, so a new field without a limit fails
here; the behaviour is checked where a person meets it: the page's form refuses beside the
field and stores nothing, the API answers 400 naming the field, the service (full_clean) raises
a ValidationError keyed by the field, the admin shows it beside the field, and a text or number
just at the limit is accepted.
"""

import importlib
import inspect
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.test import Client
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from broedplaats import limits
from broedplaats.history import is_history_model
from broedplaats.models import Application, Space
from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    space_create,
)
from chains import limits as chain_limits
from chains.models import Creative
from chains.services import creative_update
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
    stage,
)

pytestmark = pytest.mark.usefixtures("english")

TOO_LONG = "x" * 330_000

# --- the class rule: models ------------------------------------------------------------------

# Numbers no person types: computed by a service or a rebuild, or the place in a list the
# person ordered. Each is named here on purpose; any other number needs a range.
COMPUTED_NUMBERS = {
    "broedplaats.Tenancy.renewals": "counted by tenancy_renew",
    "broedplaats.SpacePhoto.width": "read from the image",
    "broedplaats.SpacePhoto.height": "read from the image",
    "broedplaats.SpacePhoto.position": "the order of the photos",
    "broedplaats.ApplicationChoice.rank": "the order of the list the applicant sent",
    "broedplaats.CommitteeCriterion.order": "the order of the criteria's lines",
    "broedplaats.RoundEntry.position": "computed by the round",
    "broedplaats.RoundEntry.lottery": "drawn from the seed",
    "broedplaats.RoundEntry.value": "computed by the round",
    "broedplaats.RoundEntry.score": "computed by the round",
    "broedplaats.PathwayStep.order": "the order of the steps' rows",
    "broedplaats.StageSpell.stage_order": "copied by throughput_refresh",
    "broedplaats.StageSpell.days": "computed by throughput_refresh",
    "broedplaats.ThroughputRefresh.seconds": "measured",
    "broedplaats.ThroughputRefresh.spells": "counted",
    "chains.PortfolioImage.width": "read from the image",
    "chains.PortfolioImage.height": "read from the image",
    "chains.PortfolioImage.position": "the order of the portfolio",
}
NUMBER_FIELDS = (models.IntegerField, models.DecimalField, models.FloatField)


def _fields(kind):
    return [
        pytest.param(field, id=f"{field.model._meta.label}.{field.name}")
        for app in ("broedplaats", "chains")
        for model in apps.get_app_config(app).get_models()
        # Not the audit history's copies: nobody enters them (broedplaats.history).
        if not is_history_model(model)
        for field in model._meta.concrete_fields
        if isinstance(field, kind) and not isinstance(field, models.AutoField)
    ]


def _label(field) -> str:
    return f"{field.model._meta.label}.{field.name}"


def _limit(field, validator_class):
    found = [v.limit_value for v in field.validators if isinstance(v, validator_class)]
    return found[0] if found else None


def _entered_numbers():
    return [param for param in _fields(NUMBER_FIELDS)
            if _label(param.values[0]) not in COMPUTED_NUMBERS]


@pytest.mark.parametrize("field", _fields(models.TextField))
def test_every_text_field_has_a_most_characters(field):
    assert _limit(field, MaxLengthValidator), f"{_label(field)} needs limits.at_most(...)"


@pytest.mark.parametrize("field", _fields(models.CharField))
def test_every_short_text_has_a_reasonable_max_length(field):
    assert field.max_length is not None and field.max_length <= 300


@pytest.mark.parametrize("field", _entered_numbers())
def test_every_number_a_person_enters_has_a_range(field):
    low, high = _limit(field, MinValueValidator), _limit(field, MaxValueValidator)
    assert low is not None and high is not None, (
        f"{_label(field)} needs validators=limits.<RANGE>.validators(), or a line in "
        f"COMPUTED_NUMBERS saying why no person enters it")
    assert low < high


def test_the_computed_numbers_named_here_exist():
    labels = {_label(param.values[0]) for param in _fields(NUMBER_FIELDS)}
    assert set(COMPUTED_NUMBERS) <= labels


@pytest.mark.parametrize("field", _entered_numbers())
def test_each_range_fits_its_column(field):
    """The highest value allowed is stored, never an overflow (a 500 on PostgreSQL)."""
    low, high = _limit(field, MinValueValidator), _limit(field, MaxValueValidator)
    if isinstance(field, models.DecimalField):
        largest = Decimal(10) ** (field.max_digits - field.decimal_places)
        assert -largest < low and high < largest
    elif isinstance(field, models.IntegerField):
        column_low, column_high = connection.ops.integer_field_range(field.get_internal_type())
        assert column_low is None or column_low <= low
        assert column_high is None or high <= column_high


def _step(field):
    if isinstance(field, models.DecimalField):
        return Decimal(1).scaleb(-field.decimal_places)
    return 1


def _others(field) -> list[str]:
    return [f.name for f in field.model._meta.fields if f.name != field.name]


@pytest.mark.parametrize("field", _fields(models.TextField))
def test_full_clean_refuses_one_character_more_keyed_by_the_field(field):
    limit = _limit(field, MaxLengthValidator)
    row = field.model(**{field.attname: "x" * limit})
    row.clean_fields(exclude=_others(field))  # just at the limit: accepted
    setattr(row, field.attname, "x" * (limit + 1))
    with pytest.raises(ValidationError) as error:
        row.clean_fields(exclude=_others(field))
    assert error.value.message_dict == {field.name: [
        f"Ensure this value has at most {limit} characters (it has {limit + 1})."]}


@pytest.mark.parametrize("field", _entered_numbers())
def test_full_clean_refuses_a_number_outside_its_range_keyed_by_the_field(field):
    low, high = _limit(field, MinValueValidator), _limit(field, MaxValueValidator)
    for ok in (low, high):
        field.model(**{field.attname: ok}).clean_fields(exclude=_others(field))
    for bad, message in ((low - _step(field), f"greater than or equal to {low}."),
                         (high + _step(field), f"less than or equal to {high}.")):
        with pytest.raises(ValidationError) as error:
            field.model(**{field.attname: bad}).clean_fields(exclude=_others(field))
        assert error.value.message_dict == {field.name: [f"Ensure this value is {message}"]}


# --- the class rule: the pages' forms and the API's inputs -----------------------------------

FORM_MODULES = [
    "broedplaats.views.forms.accounts", "broedplaats.views.forms.creative",
    "broedplaats.views.forms.matching", "broedplaats.views.forms.pathways",
    "broedplaats.views.forms.places", "broedplaats.views.forms.programmer",
    "broedplaats.views.finder", "chains.forms",
]
INPUT_MODULES = [
    "broedplaats.api.serializers.allocation", "broedplaats.api.serializers.matching",
    "broedplaats.api.serializers.places", "broedplaats.api.allocation",
    "broedplaats.api.matching", "broedplaats.api.serializers.accounts", "chains.api.serializers",
]
# Never stored as text: hashed at once.
UNBOUNDED = {"chains.forms.SignUpForm.password"}


def _declared(module_names, base, fields_of, wanted=lambda cls: True):
    found = []
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and issubclass(cls, base) and cls.__module__ == module_name \
                    and wanted(cls):
                for field_name, field in fields_of(cls).items():
                    found.append(pytest.param(field, id=f"{module_name}.{name}.{field_name}"))
    return found


def _form_fields():
    return _declared(FORM_MODULES, forms.BaseForm, lambda cls: cls.base_fields)


def _input_fields():
    """The fields of the API's input serializers (named ...Input), list items included."""
    params = _declared(INPUT_MODULES, serializers.Serializer, lambda cls: cls._declared_fields,
                       wanted=lambda cls: cls.__name__.endswith("Input"))
    return [pytest.param(field.child if isinstance(field, serializers.ListField) else field,
                         id=param.id)
            for param in params for field in param.values]


@pytest.mark.parametrize("field", _form_fields())
def test_every_form_field_of_a_page_is_bounded(field, request):
    if request.node.callspec.id in UNBOUNDED:
        return
    if isinstance(field, forms.CharField):
        assert field.max_length is not None
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        assert field.min_value is not None and field.max_value is not None


@pytest.mark.parametrize("field", _input_fields())
def test_every_api_input_field_is_bounded(field):
    if field.read_only:
        return
    if isinstance(field, serializers.CharField):
        assert field.max_length is not None
    if isinstance(field, (serializers.IntegerField, serializers.DecimalField,
                          serializers.FloatField)):
        assert field.min_value is not None and field.max_value is not None


# --- where a person meets it -----------------------------------------------------------------

def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def too_long(limit: int, got: int) -> list[str]:
    return [f"Ensure this value has at most {limit} characters (it has {got})."]


def api_too_long(limit: int) -> list[str]:
    """DRF's words for it (the serializer refuses before the service)."""
    return [f"Ensure this field has no more than {limit} characters."]


def at_most(limit) -> list[str]:
    return [f"Ensure this value is less than or equal to {limit}."]


def at_least(limit) -> list[str]:
    return [f"Ensure this value is greater than or equal to {limit}."]


@pytest.fixture
def admin(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def admin_data(response) -> dict:
    """What the admin's change page would send back unchanged: its form's and inlines' values."""
    forms_on_page = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms_on_page += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms_on_page:
        for bound in form:
            value = bound.value()
            if value is None or value is False or bound.field.disabled:
                continue
            if value is True:
                value = "on"
            data[bound.html_name] = value
    return data


# --- a creative's bio ------------------------------------------------------------------------

@pytest.fixture
def creative(db):
    return CreativeFactory(user=UserFactory(roles=[CREATIVE]), bio="Keramiek")


def profile_data(creative, **changes) -> dict:
    return {"name": creative.name, "kind": creative.kind, "discipline": creative.discipline_id,
            "bio": creative.bio, "website": "", "kvk_number": "", "email": "", "phone": "",
            **changes}


def test_a_bio_of_330000_characters_is_refused_beside_the_field_on_the_profile_page(creative):
    client = page_client(creative.user)
    page = client.get(reverse("creative-profile")).content.decode()
    assert f'maxlength="{chain_limits.BIO}"' in page  # the browser refuses first
    response = client.post(reverse("creative-profile"), profile_data(creative, bio=TOO_LONG))
    assert response.status_code in (200, 400)
    assert response.context["form"].errors == {"bio": too_long(chain_limits.BIO, 330_000)}
    creative.refresh_from_db()
    assert creative.bio == "Keramiek"


def test_a_bio_at_the_limit_is_kept(creative):
    bio = "x" * chain_limits.BIO
    response = page_client(creative.user).post(reverse("creative-profile"),
                                               profile_data(creative, bio=bio))
    assert response.status_code == 302
    creative.refresh_from_db()
    assert creative.bio == bio


def test_a_line_break_counts_once_as_the_browser_counts_it(creative):
    """The browser counts a line break once against maxlength but sends it as CR LF: a bio of
    5,000 characters with 49 line breaks arrives as 5,049 and is kept, as 5,000."""
    bio = ("x" * 99 + "\r\n") * 49 + "x" * 100
    response = page_client(creative.user).post(reverse("creative-profile"),
                                               profile_data(creative, bio=bio))
    assert response.status_code == 302
    creative.refresh_from_db()
    assert creative.bio == bio.replace("\r\n", "\n") and len(creative.bio) == chain_limits.BIO
    response = page_client(creative.user).post(reverse("creative-profile"),
                                               profile_data(creative, bio=bio + "x"))
    assert response.context["form"].errors == {
        "bio": too_long(chain_limits.BIO, chain_limits.BIO + 1)}


def test_the_service_refuses_a_long_bio_keyed_by_the_field(creative):
    with pytest.raises(ValidationError) as error:
        creative_update(creative=creative, bio=TOO_LONG)
    assert error.value.message_dict == {"bio": too_long(chain_limits.BIO, 330_000)}
    assert Creative.objects.get(pk=creative.pk).bio == "Keramiek"
    creative_update(creative=creative, bio="x" * chain_limits.BIO)
    assert len(Creative.objects.get(pk=creative.pk).bio) == chain_limits.BIO


def test_the_admin_refuses_a_long_bio_beside_the_field(admin, creative):
    url = reverse("admin:chains_creative_change", args=[creative.pk])
    data = admin_data(admin.get(url)) | {"bio": TOO_LONG}
    response = admin.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "bio": too_long(chain_limits.BIO, 330_000)}
    creative.refresh_from_db()
    assert creative.bio == "Keramiek"


# --- applications: motivation and wishes -----------------------------------------------------

@pytest.fixture
def place(db, today):
    """A building under a policy, a programmer, a 40 m² studio and a call published today."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    space = SpaceFactory(building=building, code="A.01")
    call = call_create(building=building, title="Ateliers", spaces=[space],
                       opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30))
    call_publish(call=call, on=today)
    return {"programmer": programmer, "building": building, "space": space, "call": call}


WISHES_OUT_OF_RANGE = [
    pytest.param("max_rent", "-1", at_least(0), id="max-rent-negative"),
    pytest.param("max_rent", "100000.01", at_most(100000), id="max-rent-absurd"),
    pytest.param("min_area_m2", "10000.01", at_most(10000), id="min-area-above-10000"),
    pytest.param("min_area_m2", "-1", at_least(0), id="min-area-negative"),
    pytest.param("max_area_m2", "0", at_least(1), id="max-area-0"),
    pytest.param("max_area_m2", "20000", at_most(10000), id="max-area-absurd"),
]


def test_a_long_motivation_is_refused_beside_the_field_on_the_page(place, creative):
    response = page_client(creative.user).post(
        f"{reverse('creative-application-new')}?call={place['call'].pk}",
        {"motivation": "x" * (limits.MOTIVATION + 1), "action": "draft"})
    assert response.status_code in (200, 400)
    assert response.context["form"].errors == {
        "motivation": too_long(limits.MOTIVATION, limits.MOTIVATION + 1)}
    assert not Application.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), WISHES_OUT_OF_RANGE)
def test_wishes_out_of_range_are_refused_beside_the_field_on_the_page(place, creative, field,
                                                                      value, message):
    response = page_client(creative.user).post(
        f"{reverse('creative-application-new')}?call={place['call'].pk}",
        {field: value, "action": "draft"})
    assert response.status_code in (200, 400)
    assert response.context["form"].errors == {field: message}
    assert not Application.objects.exists()


def test_a_long_motivation_over_the_api_is_a_400_naming_the_field(place, creative):
    response = api_client(creative.user).post(
        reverse("api:my-application-list"),
        {"call": place["call"].pk, "motivation": "x" * (limits.MOTIVATION + 1)}, format="json")
    assert response.status_code == 400
    assert response.json() == {"motivation": api_too_long(limits.MOTIVATION)}
    assert not Application.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), WISHES_OUT_OF_RANGE)
def test_wishes_out_of_range_over_the_api_are_a_400_naming_the_field(place, creative, field,
                                                                     value, message):
    response = api_client(creative.user).post(
        reverse("api:my-application-list"), {"call": place["call"].pk, field: value},
        format="json")
    assert response.status_code == 400
    assert response.json() == {field: message}
    assert not Application.objects.exists()


def test_an_application_at_every_limit_is_accepted_over_the_api(place, creative):
    response = api_client(creative.user).post(reverse("api:my-application-list"), {
        "call": place["call"].pk, "motivation": "x" * limits.MOTIVATION,
        "min_area_m2": "10000", "max_area_m2": "10000", "max_rent": "100000"}, format="json")
    assert response.status_code == 201, response.json()
    application = Application.objects.get()
    assert (len(application.motivation), application.max_rent) == (limits.MOTIVATION, 100000)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("motivation", "x" * (limits.MOTIVATION + 1),
     too_long(limits.MOTIVATION, limits.MOTIVATION + 1)),
    ("min_area_m2", Decimal("10000.01"), at_most(10000)),
    ("max_rent", Decimal("-1"), at_least(0)),
])
def test_the_service_refuses_an_application_out_of_bounds_keyed_by_the_field(
        place, creative, today, field, value, message):
    with pytest.raises(ValidationError) as error:
        application_create(creative=creative, call=place["call"], on=today, **{field: value})
    assert error.value.message_dict == {field: message}
    assert not Application.objects.exists()


def test_a_long_status_note_over_the_api_is_a_400_naming_the_note(place, creative, today):
    application = application_create(creative=creative, call=place["call"], on=today)
    application_submit(application=application, on=today)
    response = api_client(place["programmer"]).post(
        reverse("api:programmer-application-transition", args=[application.pk]),
        {"to": "screening", "note": "x" * (limits.STATUS_NOTE + 1)}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": api_too_long(limits.STATUS_NOTE)}
    application.refresh_from_db()
    assert application.status == "submitted"


# --- spaces: area and rent -------------------------------------------------------------------

def space_data(**changes) -> dict:
    return {"code": "C.12", "kind": "studio", "area_m2": "30", "monthly_rent": "200",
            "rent_exception_reason": "", "description": "", "stages": [stage("making").pk],
            **changes}


SPACES_OUT_OF_RANGE = [
    pytest.param("area_m2", "0", at_least(1), id="area-0"),
    pytest.param("area_m2", "-10", at_least(1), id="area-negative"),
    pytest.param("area_m2", "10000.01", at_most(10000), id="area-absurd"),
    pytest.param("monthly_rent", "100000.01", at_most(100000), id="rent-absurd"),
    pytest.param("monthly_rent", "-1", at_least(0), id="rent-negative"),
    pytest.param("description", "x" * (limits.SPACE_DESCRIPTION + 1),
                 too_long(limits.SPACE_DESCRIPTION, limits.SPACE_DESCRIPTION + 1),
                 id="description-too-long"),
]


@pytest.mark.parametrize(("field", "value", "message"), SPACES_OUT_OF_RANGE)
def test_a_space_out_of_range_is_refused_beside_the_field_on_the_page(place, field, value,
                                                                     message):
    response = page_client(place["programmer"]).post(
        reverse("programmer-space-new", args=[place["building"].slug]),
        space_data(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors == {field: message}
    assert not Space.objects.filter(code="C.12").exists()


def test_the_space_page_tells_the_browser_the_ranges(place):
    page = page_client(place["programmer"]).get(
        reverse("programmer-space-new", args=[place["building"].slug])).content.decode()
    [area] = re.findall(r'<input[^>]*name="area_m2"[^>]*>', page)
    [rent] = re.findall(r'<input[^>]*name="monthly_rent"[^>]*>', page)
    assert 'min="1"' in area and 'max="10000"' in area
    assert 'min="0"' in rent and 'max="100000"' in rent
    assert f'maxlength="{limits.SPACE_DESCRIPTION}"' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("area_m2", Decimal("0"), at_least(1)),
    ("area_m2", Decimal("20000"), at_most(10000)),
    ("monthly_rent", Decimal("1000000"), at_most(100000)),
])
def test_the_service_refuses_a_space_out_of_range_keyed_by_the_field(place, today, field,
                                                                     value, message):
    fields = {"building": place["building"], "code": "C.12", "kind": "studio",
              "area_m2": Decimal("30"), "monthly_rent": Decimal("200"), field: value}
    with pytest.raises(ValidationError) as error:
        space_create(on=today, **fields)
    assert error.value.message_dict == {field: message}
    assert not Space.objects.filter(code="C.12").exists()


def test_a_space_at_the_limits_is_accepted_with_a_reason_for_its_rent(place, today):
    space = space_create(on=today, building=place["building"], code="C.12", kind="studio",
                         area_m2=Decimal("10000"), monthly_rent=Decimal("100000"),
                         rent_exception_reason="x" * limits.EXCEPTION_REASON)
    assert (space.area_m2, space.monthly_rent) == (10000, 100000)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("area_m2", "0", at_least(1)),
    ("area_m2", "99999", at_most(10000)),
    ("monthly_rent", "100000.01", at_most(100000)),
])
def test_the_admin_refuses_a_space_out_of_range_beside_the_field(admin, place, field,
                                                                 value, message):
    url = reverse("admin:broedplaats_space_change", args=[place["space"].pk])
    # With a reason, so the rent cap does not speak first.
    response = admin.post(url, admin_data(admin.get(url)) | {
        "rent_exception_reason": "Werkplaats", field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: message}
    place["space"].refresh_from_db()
    assert (place["space"].area_m2, place["space"].monthly_rent) == (40, 250)


# --- the API's other inputs ------------------------------------------------------------------

def test_social_return_hours_beyond_one_activity_are_a_400_naming_the_hours(place, creative,
                                                                           today):
    from broedplaats.services import tenancy_create

    tenancy = tenancy_create(space=place["space"], creative=creative,
                             start=date(today.year, 1, 1), monthly_rent=Decimal("250"))
    response = api_client(place["programmer"]).post(
        reverse("api:programmer-tenancy-social-return", args=[tenancy.pk]),
        {"kind": "workshop", "on": str(today), "hours": "501"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"hours": at_most(500)}
    assert not tenancy.social_returns.exists()
