"""Dates and money read as the reader's language writes them, everywhere a person reads them:
"1 januari 2027" and "€ 1.234,56" in Dutch, "January 1, 2027" and "€1,234.56" in English, in
pages, flash messages, service messages, mails and CSV headers; Django's own messages are Dutch
in the Dutch interface. The expected dates are spelt out here from month names, not with the
helpers under test. The last tests keep the rule: no ISO date or hand-made euro amount in a
message or page, except where a machine reads it (allowlisted, with the reason)."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    offer_make,
    screening_record,
    tenancy_create,
    tenancy_renew,
)
from broedplaats.services.places import add_months
from chains.formatting import long_date, money, short_date
from tests.factories import (
    BuildingFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent
DUTCH_MONTHS = ("januari februari maart april mei juni juli augustus september oktober "
                "november december").split()
ENGLISH_MONTHS = ("January February March April May June July August September October "
                  "November December").split()


def dutch(day: date) -> str:
    return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"


def english(day: date) -> str:
    return f"{ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}"


IN = {"nl": dutch, "en": english}


def client_in(language: str, user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def place(db):
    """A building under a policy (24-month term, studio cap €90/m²/yr) with a programmer and a
    studio of 400 m² at € 1.234,56 a month (€ 37,04 per m² a year, within the cap)."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    space = SpaceFactory(building=building, code="A1", kind="studio", area_m2=Decimal("400"),
                         monthly_rent=Decimal("1234.56"))
    return {"programmer": programmer, "building": building, "space": space}


def _screened_application(place, today, *, email=""):
    call = call_create(building=place["building"], title="Ateliers", spaces=[place["space"]],
                       opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30))
    call_publish(call=call, on=today)
    creative = CreativeFactory(email=email, user=UserFactory(roles=[CREATIVE]))
    application = application_create(creative=creative, call=call, on=today)
    application_submit(application=application, on=today)
    screening_record(creative=creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    return application


# --- the helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize("language, long, short, amount", [
    ("nl", "1 januari 2027", "1-1-2027", "€ 1.234,56"),
    ("en", "January 1, 2027", "Jan 1, 2027", "€1,234.56"),
])
def test_a_date_and_an_amount_read_as_the_language_writes_them(language, long, short, amount):
    with translation.override(language):
        assert long_date(date(2027, 1, 1)) == long
        assert short_date(date(2027, 1, 1)) == short
        assert money(Decimal("1234.56")) == amount
        assert money(1234.56) == amount  # a float is not rounded down to ...,55
        template = Template('{% load formatting %}{{ rent|money }} {{ none|money }} '
                            '{{ day|date }} {{ day|date:"SHORT_DATE_FORMAT" }}')
        assert template.render(Context({"rent": Decimal("1234.56"), "none": None,
                                        "day": date(2027, 1, 1)})) == (
            f"{amount} – {long} {short}")


# --- messages: publishing a call, making and accepting an offer, renewing a tenancy -----------

@pytest.mark.parametrize("language", ["nl", "en"])
def test_publishing_a_call_that_closed_names_its_date_in_the_readers_language(
        place, today, language):
    closed = today - timedelta(days=10)
    call = call_create(building=place["building"], title="Te laat", spaces=[place["space"]],
                       opens_on=today - timedelta(days=40), closes_on=closed)
    response = client_in(language, place["programmer"]).post(
        reverse("programmer-call-publish", args=[call.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert IN[language](closed) in html and closed.isoformat() not in html.replace(
        f'value="{closed.isoformat()}"', "")  # the date input's value is ISO by HTML's rule


@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_offer_of_a_space_let_on_its_start_names_the_date(place, today, language):
    application = _screened_application(place, today)
    tenancy_create(space=place["space"], creative=CreativeFactory(), start=today,
                   planned_end=today + timedelta(days=300))
    start = today + timedelta(days=14)
    response = client_in(language, place["programmer"]).post(
        reverse("programmer-applicant-offer", args=[application.pk]),
        {"space": place["space"].pk, "start": start, "reply_by": today + timedelta(days=7)})
    assert response.status_code == 400
    assert IN[language](start) in response.content.decode()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_accepting_an_offer_says_when_the_tenancy_starts(place, today, language):
    application = _screened_application(place, today)
    start = today + timedelta(days=14)
    offer = offer_make(application=application, space=place["space"], start=start,
                       reply_by=today + timedelta(days=7), on=today)
    response = client_in(language, application.creative.user).post(
        reverse("creative-offer-accept", args=[offer.pk]))
    (message,) = messages_of(response)
    assert IN[language](start) in message and start.isoformat() not in message


@pytest.mark.parametrize("language", ["nl", "en"])
def test_renewing_a_tenancy_says_until_when(place, today, language):
    start = today - timedelta(days=30)
    tenancy = tenancy_create(space=place["space"], creative=CreativeFactory(), start=start,
                             planned_end=add_months(start, 12))
    response = client_in(language, place["programmer"]).post(
        reverse("programmer-tenancy-renew", args=[tenancy.pk]), {})
    new_end = add_months(start, 12 + 24)
    assert [m for m in messages_of(response) if IN[language](new_end) in m]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_refused_renewal_and_rent_name_date_and_money_in_the_language(place, language):
    start = date(2025, 1, 1)
    tenancy = tenancy_create(space=place["space"], creative=CreativeFactory(), start=start,
                             planned_end=date(2027, 1, 1))
    with translation.override(language), pytest.raises(ValidationError) as error:
        tenancy_renew(tenancy=tenancy, planned_end=date(2026, 6, 1), on=date(2026, 1, 5))
    assert IN[language](date(2027, 1, 1)) in error.value.message_dict["planned_end"][0]
    with translation.override(language), pytest.raises(ValidationError) as error:
        tenancy_create(space=SpaceFactory(building=place["building"], kind="studio",
                                          area_m2=Decimal("40"), monthly_rent=Decimal("500")),
                       creative=CreativeFactory(), start=date(2027, 1, 1))
    cap = {"nl": "€ 90,00", "en": "€90.00"}[language]
    rent = {"nl": "€ 150,00", "en": "€150.00"}[language]  # 500 × 12 / 40
    assert cap in error.value.message_dict["monthly_rent"][0]
    assert rent in error.value.message_dict["monthly_rent"][0]


# --- mails ------------------------------------------------------------------------------------

def test_an_offer_mail_is_dutch_with_dutch_dates_and_money_whatever_the_programmer_reads(
        place, today, mailoutbox, django_capture_on_commit_callbacks):
    application = _screened_application(place, today, email="anna@example.org")
    mailoutbox.clear()
    start, reply_by = today + timedelta(days=14), today + timedelta(days=7)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        offer_make(application=application, space=place["space"], start=start,
                   reply_by=reply_by, on=today)
    (mail,) = mailoutbox
    assert dutch(start) in mail.body and dutch(reply_by) in mail.body
    assert "€ 1.234,56" in mail.body
    assert not re.search(r"\d{4}-\d\d-\d\d", mail.body)


def test_a_mail_is_plain_text_not_html_escaped(place, today, mailoutbox,
                                               django_capture_on_commit_callbacks):
    application = _screened_application(place, today, email="anna@example.org")
    application.creative.name = "Anna & Bo"
    application.creative.save()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_make(application=application, space=place["space"],
                   start=today + timedelta(days=14), reply_by=today + timedelta(days=7), on=today)
    (mail,) = mailoutbox
    assert "Anna & Bo" in mail.body and "&amp;" not in mail.body


# --- CSV --------------------------------------------------------------------------------------

@pytest.mark.parametrize("language, header", [
    ("nl", ["Maand", "Verhuurde ruimtes", "Bezetting", "Verhuurde oppervlakte",
            "Bezetting (oppervlakte)"]),
    ("en", ["Month", "Spaces let", "Occupancy", "Area let", "Area occupancy"]),
])
def test_a_csv_header_is_in_the_readers_language_and_its_dates_stay_iso(db, language, header):
    city = CityFactory(slug="amsterdam")
    SpaceFactory(building=BuildingFactory(city=city))
    bureau = UserFactory(roles=[CITY_BUREAU])
    city.bureau_members.add(bureau)
    response = client_in(language, bureau).get(
        reverse("api:throughput-figure", args=["occupancy-monthly"]), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == header
    assert rows[1:] and all(re.fullmatch(r"\d{4}-\d\d-01", row[0]) for row in rows[1:])


# --- Django's own messages --------------------------------------------------------------------

# "This field is required.": Django's Dutch says "Dit veld is verplicht.", Django REST
# framework's "Dit veld is vereist.", and an installed app's catalogue wins over Django's own,
# on every page alike. Either is Dutch; locale/nl may pin Django's wording.
@pytest.mark.parametrize("language, short, common, required", [
    ("nl", "Dit wachtwoord is te kort.", "Dit wachtwoord is te algemeen.",
     r"Dit veld is (verplicht|vereist)\."),
    ("en", "This password is too short.", "This password is too common.",
     r"This field is required\."),
])
def test_password_and_required_messages_come_in_the_readers_language(
        db, language, short, common, required):
    discipline = DisciplineFactory()
    client = client_in(language)
    data = {"email": "anna@example.org", "name": "Anna", "kind": "person",
            "discipline": discipline.pk}
    html = client.post(reverse("creative-signup"), data | {"password": "kort1"}).content.decode()
    assert short in html
    html = client.post(reverse("creative-signup"), data | {"password": "password"}).content.decode()
    assert common in html
    html = client.post(reverse("creative-signup"), {"password": "x"}).content.decode()
    assert re.search(required, html)

    client.force_login(UserFactory())
    html = client.post(reverse("password_change"), {
        "old_password": "pass-word-123", "new_password1": "kort1", "new_password2": "kort1",
    }).content.decode()
    assert short in html
    html = client.post(reverse("password_change"), {}).content.decode()
    assert re.search(required, html)


def test_the_too_short_message_keeps_its_dutch_until_django_translates_its_own_wording():
    """broedplaats.passwords words it as Django did before 5.2, which Django's Dutch has. Once
    Django's Dutch has its new wording, drop that validator for Django's own."""
    from django.utils.translation import ngettext

    wording = ("This password is too short. It must contain at least %d character.",
               "This password is too short. It must contain at least %d characters.")
    with translation.override("nl"):
        assert ngettext(*wording, 8) == wording[1], "Django translates it now: drop ours"


# --- the rule, kept ---------------------------------------------------------------------------

# Python: no `.isoformat()` where people read the result. Not scanned: migrations, the demo's
# seeding, management commands and the API (ISO is their contract). Allowed elsewhere, by
# file and line text, with the reason; an entry that no longer matches fails too.
ISO_ALLOWED = {
    ("broedplaats/filters.py", "min=self.EARLIEST.isoformat()"):
        "a date input's min/max attribute, ISO by HTML's rule",
    ("broedplaats/filters.py", "max=today.isoformat()"):
        "a date input's min/max attribute, ISO by HTML's rule",
    ("broedplaats/services/matching.py", '"on": inputs.on.isoformat()'):
        "a round's stored inputs (JSON), read back with date.fromisoformat",
    ("broedplaats/services/matching.py", '"start": inputs.start.isoformat()'):
        "a round's stored inputs (JSON), read back with date.fromisoformat",
    ("broedplaats/services/places.py", '"date": planned_end.isoformat(), "on": on.isoformat()'):
        "a renewal noted in the stored term exception: a record, like the demo's (ISO)",
    ("broedplaats/services/places.py", '"space": tenancy.space, "date": tenancy.start.isoformat()'):
        "a cancellation stored as an applicant note: a record (ISO)",
    ("broedplaats/services/allocation.py", '"Screening of %(date)s") % {"date": on.isoformat()}'):
        "a screening's stored note: a record, like the demo's (ISO)",
    ("broedplaats/services/allocation.py", '% {"date": offer.reply_by.isoformat()})'):
        "an expired offer's stored event note: a record (ISO)",
    ("broedplaats/selectors/finder.py", ":{stage.pk}:{on.isoformat()}\""):
        "a cache key, read by no person",
}
NOT_SCANNED = {"migrations", "demo", "management", "api"}


def _python_files():
    for app in ("broedplaats", "chains"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if not NOT_SCANNED & set(path.relative_to(ROOT).parts):
                yield path


def test_no_iso_date_where_people_read_it():
    found, used = [], set()
    for path in _python_files():
        name = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".isoformat()" not in line:
                continue
            allowed = [key for key in ISO_ALLOWED if key[0] == name and key[1] in line]
            used.update(allowed)
            if not allowed:
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "Use chains.formatting.long_date (sentences) or short_date (tables)"
    assert set(ISO_ALLOWED) - used == set(), "Allowlisted lines no longer there: remove them"


# Templates: dates through the language's named formats (DATE_FORMAT in sentences,
# SHORT_DATE_FORMAT in tables ...), a literal format only for a machine-read attribute;
# euros through |money, not "€ {{ ... }}".
NAMED = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT",
         "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"}
TEMPLATE_ALLOWED = {
    ("templates/broedplaats/_finder_results.html", "€ {{ rent }} a month"):
        "an existing msgid with the euro sign in it; its Dutch reads right (€ 1.234,56)",
    ("templates/broedplaats/programmer/tenancy_timeline.html", '{{ month.first|date:"b" }}'):
        "the timeline's month scale: the language's own three-letter month (mrt, may) and the "
        "year on January; no named format is that short",
}


def test_templates_show_dates_and_money_in_the_languages_formats():
    found, used = [], set()
    for path in sorted((ROOT / "templates").rglob("*.*")):
        name = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # A machine-read attribute may carry ISO: <time datetime="{{ day|date:'Y-m-d' }}">.
            shown = re.sub(r'datetime="[^"]*"', "", line)
            literal = [fmt for fmt in re.findall(r"""\|date:["']([^"']*)["']""", shown)
                       if fmt not in NAMED]
            euro = "€ {{" in shown or "€{{" in shown
            if not literal and not euro:
                continue
            allowed = [key for key in TEMPLATE_ALLOWED if key[0] == name and key[1] in line]
            used.update(allowed)
            if not allowed:
                found.append(f"{name}:{number}: {line.strip()[:120]}")
    assert found == [], ('Dates: |date (sentences) or |date:"SHORT_DATE_FORMAT" (tables); '
                         "money: {% load formatting %}{{ amount|money }}")
    assert set(TEMPLATE_ALLOWED) - used == set(), "Allowlisted lines no longer there: remove them"


def test_a_table_cell_shows_its_date_in_the_short_format():
    """One short format in tables ("5-12-2026"), the long one ("5 december 2026") in sentences:
    a cell that starts with a date in the long format breaks a column's rhythm."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for cell in re.findall(r"<td[^>]*>(.*?)(?:</td>|$)", line):
                if re.search(r"""\|date(:["'](DATE_FORMAT|DATETIME_FORMAT)["'])?\s*}}""", cell):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert found == [], 'In a table cell: |date:"SHORT_DATE_FORMAT"'
