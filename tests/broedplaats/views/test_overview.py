"""A creative's overview (/home/creative/): where they rent and whether they may renew, their
path along the chain as one bar of stage spells, and the applications and offers they wait on;
only their own, in a fixed number of queries."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from broedplaats.models import Application, ApplicationStatus, Call, Offer, OfferStatus
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = pytest.mark.django_db

MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"]


def add_months(first: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def dutch(day: date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def short(day: date) -> str:
    """A date as a Dutch table cell shows it: "5-12-2026"."""
    return f"{day.day}-{day.month}-{day.year}"


def text(response) -> str:
    """The page's text without tags, whitespace folded (what a reader sees, in order)."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def policy():
    return PolicyFactory(valid_from=date(2015, 1, 1), max_renewals=2)


@pytest.fixture
def building(policy):
    return BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=policy.city)


@pytest.fixture
def user():
    return UserFactory(roles=[CREATIVE])


@pytest.fixture
def creative(user):
    return CreativeFactory(user=user, name="Anna de Klei")


@pytest.fixture
def as_creative(client, user, creative):
    client.force_login(user)
    return client


@pytest.fixture
def in_english(as_creative):
    as_creative.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return as_creative


def overview(client):
    response = client.get(reverse("creative-home"))
    assert response.status_code == 200
    return response


def rent(creative, building, *, start, planned_end, renewals=0, rent="410.96", code="A1"):
    space = SpaceFactory(building=building, code=code, monthly_rent=Decimal(rent))
    return TenancyFactory(space=space, creative=creative, start=start, planned_end=planned_end,
                          renewals=renewals, monthly_rent=Decimal(rent))


# --- where I rent ------------------------------------------------------------------------------

def test_a_running_tenancy_shows_building_space_dates_and_dutch_rent(as_creative, creative,
                                                                     building, today):
    start, end = today - timedelta(days=400), today + timedelta(days=330)
    rent(creative, building, start=start, planned_end=end, code="B2.14")
    page = text(overview(as_creative))
    section = page[page.index("De Ceuvel"):]
    assert "B2.14" in section
    assert f"Sinds {dutch(start)}" in section
    assert f"Geplande einddatum {dutch(end)}" in section
    assert "Huur per maand € 410,96" in section


def test_a_thousand_euros_reads_with_a_dutch_thousands_point(as_creative, creative, building,
                                                              today):
    rent(creative, building, start=today - timedelta(days=10), planned_end=today + timedelta(
        days=300), rent="1234.50")
    assert "€ 1.234,50" in text(overview(as_creative))


def test_renewals_left_are_counted_from_the_policy(in_english, creative, building, today):
    rent(creative, building, start=today - timedelta(days=400),
         planned_end=today + timedelta(days=330), renewals=1)
    response = overview(in_english)
    assert "You can renew: 1 renewal left." in text(response)
    [tenancy] = response.context["renting"]
    assert tenancy.can_renew and not tenancy.renewals_used_up


def test_renewals_used_up_says_no_and_needs_an_exception(in_english, creative, building, today):
    rent(creative, building, start=today - timedelta(days=400),
         planned_end=today + timedelta(days=330), renewals=2)
    response = overview(in_english)
    assert "No: 2 of 2 renewals used." in text(response)
    assert "You can renew" not in text(response)
    [tenancy] = response.context["renting"]
    assert tenancy.renewals_used_up and not tenancy.can_renew


def test_the_policy_in_force_on_the_start_sets_the_limit(in_english, creative, building, policy,
                                                         today):
    # A later, stricter policy does not apply to a tenancy that began before it.
    policy.valid_to = today - timedelta(days=100)
    policy.save()
    PolicyFactory(city=building.city, valid_from=today - timedelta(days=99), max_renewals=0)
    rent(creative, building, start=today - timedelta(days=400),
         planned_end=today + timedelta(days=330), renewals=1)
    assert "You can renew: 1 renewal left." in text(overview(in_english))


def test_without_a_policy_a_running_tenancy_can_be_renewed(in_english, creative, today):
    building = BuildingFactory(name="Nieuwe Plek")  # its city has no policy
    rent(creative, building, start=today - timedelta(days=10),
         planned_end=today + timedelta(days=300), renewals=5)
    assert "You can renew." in text(overview(in_english))


def test_a_tenancy_with_its_end_set_is_not_renewable(in_english, creative, building, today):
    tenancy = rent(creative, building, start=today - timedelta(days=100),
                   planned_end=today + timedelta(days=300))
    tenancy.actual_end, tenancy.end_reason = today + timedelta(days=20), "other"
    tenancy.save()
    page = text(overview(in_english))
    assert "No: this tenancy is ending." in page
    assert "Ends on" in page


def test_a_coming_tenancy_shows_apart_from_renting(in_english, creative, building, today):
    start = today + timedelta(days=45)
    rent(creative, building, start=start, planned_end=start + timedelta(days=730), code="C3")
    response = overview(in_english)
    assert response.context["renting"] == []
    [coming] = response.context["coming"]
    assert coming.space.code == "C3"
    page = text(response)
    assert "You do not rent a space at the moment." in page
    assert "C3 Coming" in page


def test_a_coming_tenancy_says_when_it_starts_and_ends(as_creative, creative, building, today):
    start = today + timedelta(days=45)
    end = start + timedelta(days=730)
    rent(creative, building, start=start, planned_end=end, code="C3", rent="199.00")
    page = text(overview(as_creative))
    assert (f"Begin {dutch(start)} Geplande einddatum {dutch(end)} Huur per maand € 199,00"
            in page)


def test_no_tenancy_says_so(in_english, creative, building, today):
    # A past tenancy and a cancelled coming one (ended on its start) are not shown.
    rent(creative, building, start=date(2020, 1, 1), planned_end=date(2022, 1, 1), code="OLD")
    cancelled = rent(creative, building, start=today + timedelta(days=10),
                     planned_end=today + timedelta(days=400), code="OFF")
    cancelled.actual_end, cancelled.end_reason = cancelled.start, "other"
    cancelled.save()
    response = overview(in_english)
    assert (response.context["renting"], response.context["coming"]) == ([], [])
    page = text(response)
    assert "You do not rent a space at the moment." in page
    assert "OLD" not in page and "OFF" not in page


# --- my path -----------------------------------------------------------------------------------

@pytest.fixture
def path(creative, building):
    """Idea at De Ceuvel (two moves), making there, making at the Cultuurfabriek, then
    distribution there, and out to the market: five spells from six moves, whole months apart."""
    other = BuildingFactory(name="Cultuurfabriek", city=building.city)
    base = timezone.localdate().replace(day=1)
    idea, making, distribution = stage("idea"), stage("making"), stage("distribution")
    plan = [
        (-60, None, idea, building), (-54, None, idea, building),  # recorded twice: one spell
        (-48, idea, making, building), (-21, making, making, other),
        (-14, making, distribution, other), (-2, distribution, None, other),
    ]
    for months, source, target, place in plan:
        StageMoveFactory(creative=creative, from_stage=source if source != target else None,
                         to_stage=target, to_market=target is None,
                         moved_on=add_months(base, months), building=place)
    return base


def path_style(html: str) -> str:
    """The rules that size the path's segments."""
    return re.search(r'<style nonce="[^"]+">([^<]*path-spell[^<]*)</style>', html).group(1)


def test_the_path_merges_moves_into_spells_with_building_and_length(in_english, path):
    response = overview(in_english)
    spells = response.context["spells"]
    assert [(spell.code, spell.building.name, spell.moves) for spell in spells] == [
        ("idea", "De Ceuvel", 2), ("making", "De Ceuvel", 1), ("making", "Cultuurfabriek", 1),
        ("distribution", "Cultuurfabriek", 1), ("market", "Cultuurfabriek", 1)]
    assert [spell.length for spell in spells[:4]] == [
        "1 year", "2 years 3 months", "7 months", "1 year"]
    assert spells[-1].current and not any(spell.current for spell in spells[:-1])
    html = response.content.decode()
    bar = html[html.index('class="path-bar"'):html.index("</ol>", html.index('class="path-bar"'))]
    assert bar.count('class="path-spell') == 5
    assert "2 years 3 months" in bar and "Cultuurfabriek" in bar and "Out to the market" in bar
    # Each segment's width follows its days (flex-grow), plain numbers whatever the language,
    # set by a rule in a nonce'd <style>: the CSP refuses style="" attributes.
    assert 'class="path-spell stage-making path-spell-2"' in bar and 'style="' not in bar
    assert f".path-spell-2{{flex-grow:{spells[1].days};" in path_style(html)


def test_the_bar_reads_in_dutch_with_plain_numbers_for_its_widths(as_creative, path):
    html = overview(as_creative).content.decode()
    bar = html[html.index('class="path-bar"'):html.index("</ol>", html.index('class="path-bar"'))]
    assert "2 jaar 3 maanden" in bar and "Uitgestroomd naar de markt" in bar
    rules = re.findall(r"\{flex-grow:[^}]*\}", path_style(html))
    assert len(rules) == 5 and all(re.search(r"--share:[\d.]+%", rule) for rule in rules)
    assert "," not in "".join(rules)


def test_the_full_history_stays_behind_details(as_creative, path):
    html = overview(as_creative).content.decode()
    details = html[html.index("<details"):html.index("</details>")]
    assert details.count("<li>") == 6
    start = add_months(path, -60)
    assert dutch(start) in details


def test_a_move_dated_ahead_is_listed_but_not_on_the_bar(as_creative, creative, building, today):
    StageMoveFactory(creative=creative, to_stage=stage("idea"), moved_on=today - timedelta(days=9),
                     building=building)
    StageMoveFactory(creative=creative, from_stage=stage("idea"), to_stage=stage("making"),
                     moved_on=today + timedelta(days=30), building=building)
    response = overview(as_creative)
    assert [spell.code for spell in response.context["spells"]] == ["idea"]
    assert len(response.context["history"]) == 2


def test_no_history_says_so(in_english):
    response = overview(in_english)
    assert response.context["spells"] == []
    assert "No stage moves recorded yet." in text(response)
    assert 'class="path-bar"' not in response.content.decode()


# --- what I wait on ----------------------------------------------------------------------------

def call_in(building, title, *, closes_on, today):
    return Call.objects.create(building=building, title=title, opens_on=today - timedelta(days=5),
                               closes_on=closes_on, published_at=timezone.now())


def apply(creative, building, *, call=None, status=ApplicationStatus.SUBMITTED):
    return Application.objects.create(creative=creative, building=building, call=call,
                                      status=status, submitted_at=timezone.now())


def offer(application, space, *, start, reply_by, today, status=OfferStatus.OPEN):
    return Offer.objects.create(application=application, space=space, start=start,
                                offered_on=today - timedelta(days=2), reply_by=reply_by,
                                status=status)


def test_open_applications_show_call_building_and_closing_date(as_creative, creative, building,
                                                               today):
    closes = today + timedelta(days=12)
    apply(creative, building, call=call_in(building, "Ateliers voor makers", closes_on=closes,
                                           today=today), status=ApplicationStatus.SHORTLISTED)
    apply(creative, BuildingFactory(name="Het Lab", city=building.city))  # candidate list
    for status in ("draft", "withdrawn", "ineligible", "offered", "declined"):
        apply(creative, building, status=status,
              call=call_in(building, f"Oproep {status}", closes_on=closes, today=today))
    response = overview(as_creative)
    assert len(response.context["applications"]) == 2
    page = text(response)
    assert "Ateliers voor makers De Ceuvel" in page and short(closes) in page
    assert "Kandidatenlijst Het Lab" in page
    assert not [status for status in ("draft", "withdrawn", "ineligible", "offered", "declined")
                if f"Oproep {status}" in page]
    assert f'{reverse("creative-applications")}#application-' in response.content.decode()


def test_open_offers_show_space_rent_start_and_reply_by_with_a_way_to_answer(
        as_creative, creative, building, today):
    space = SpaceFactory(building=building, code="D4", monthly_rent=Decimal("325.50"))
    application = apply(creative, building, status=ApplicationStatus.OFFERED)
    start, reply_by = today + timedelta(days=30), today + timedelta(days=6)
    made = offer(application, space, start=start, reply_by=reply_by, today=today)
    # Past its deadline (not yet expired by the job), answered, or withdrawn: not open.
    for code, deadline, status in (("E5", today - timedelta(days=1), OfferStatus.OPEN),
                                   ("F6", reply_by, OfferStatus.DECLINED),
                                   ("G7", reply_by, OfferStatus.WITHDRAWN)):
        offer(apply(creative, building, status="offered",
                    call=call_in(building, code, closes_on=today, today=today)),
              SpaceFactory(building=building, code=code), start=start, reply_by=deadline,
              today=today, status=status)
    response = overview(as_creative)
    assert [o.pk for o in response.context["offers"]] == [made.pk]
    page = text(response)
    assert f"D4 De Ceuvel € 325,50 {short(start)} {short(reply_by)}" in page
    assert not {"E5", "F6", "G7"} & set(page.split())
    assert f'href="{reverse("creative-applications")}#offer-{made.pk}"' in \
        response.content.decode()


def test_nothing_to_wait_on_says_so(in_english):
    page = text(overview(in_english))
    assert "No open offers." in page and "No open applications." in page


# --- only my own -------------------------------------------------------------------------------

def test_another_creatives_data_is_never_shown(as_creative, creative, building, today):
    other = CreativeFactory(user=UserFactory(roles=[CREATIVE]), name="Bram Anders")
    elsewhere = BuildingFactory(name="Verborgen Hof", city=building.city)
    rent(other, elsewhere, start=today - timedelta(days=50), planned_end=today + timedelta(
        days=300), code="X9", rent="999.99")
    StageMoveFactory(creative=other, to_stage=stage("making"), building=elsewhere,
                     moved_on=today - timedelta(days=50))
    theirs = apply(other, elsewhere, status=ApplicationStatus.OFFERED,
                   call=call_in(elsewhere, "Geheime oproep", closes_on=today, today=today))
    offer(theirs, SpaceFactory(building=elsewhere, code="Y8"), start=today + timedelta(days=9),
          reply_by=today + timedelta(days=3), today=today)
    apply(other, elsewhere, call=call_in(elsewhere, "Nog een oproep", closes_on=today,
                                         today=today))
    response = overview(as_creative)
    page = text(response)
    for word in ("Bram Anders", "Verborgen Hof", "X9", "999,99", "Geheime oproep",
                 "Nog een oproep", "Y8"):
        assert word not in page
    context = response.context
    assert (context["renting"], context["coming"], context["spells"], context["applications"],
            context["offers"]) == ([], [], [], [], [])


def test_an_admin_without_a_creative_profile_sees_no_ones_data(client, creative, building,
                                                               today):
    rent(creative, building, start=today - timedelta(days=5), planned_end=today + timedelta(
        days=300), code="Z1")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = text(overview(client))
    assert "Z1" not in page and "De Ceuvel" not in page


@pytest.mark.parametrize("role", [PROGRAMMER, CITY_BUREAU])
def test_other_roles_are_refused(client, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("creative-home")).status_code == 403


def test_anonymous_visitors_are_asked_to_log_in(client, db):
    response = client.get(reverse("creative-home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- a fixed number of queries -----------------------------------------------------------------

def busy_creative(creative, building, *, moves: int, applications: int, today,
                  tenancies: bool = True):
    stages = [stage("idea"), stage("making"), stage("distribution")]
    places = [building, BuildingFactory(city=building.city)]
    for n in range(moves):
        StageMoveFactory(creative=creative, to_stage=stages[n % 3], building=places[n % 2],
                         moved_on=today - timedelta(days=30 * (moves - n)))
    if tenancies:  # one running, one coming
        rent(creative, building, start=today - timedelta(days=100),
             planned_end=today + timedelta(days=300), code="R1")
        rent(creative, places[1], start=today + timedelta(days=400),
             planned_end=today + timedelta(days=800), code="R2")
    for n in range(applications):
        call = call_in(places[n % 2], f"Call {n}", closes_on=today + timedelta(days=n),
                       today=today)
        application = apply(creative, places[n % 2], call=call,
                            status="offered" if n % 4 == 0 else "eligible")
        if n % 4 == 0:
            offer(application, SpaceFactory(building=places[n % 2]), today=today,
                  start=today + timedelta(days=60), reply_by=today + timedelta(days=5))


def test_the_query_count_does_not_grow_with_moves_applications_and_offers(
        as_creative, creative, building, today, django_assert_max_num_queries):
    busy_creative(creative, building, moves=2, applications=1, today=today)
    with django_assert_max_num_queries(10) as small:
        overview(as_creative)
    busy_creative(creative, building, moves=30, applications=20, today=today, tenancies=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = overview(as_creative)
    assert len(response.context["history"]) == 32
    assert len(response.context["applications"]) == 15
    assert len(response.context["offers"]) == 6
