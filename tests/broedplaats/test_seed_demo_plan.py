"""The demo's plan, before anything is written: units further than the scale-1 demo (more
cities), in plain Python, so these tests need no database."""

import re
from collections import defaultdict
from datetime import date
from statistics import median

import pytest
from django.utils import translation

from broedplaats.demo import CHAINS, CITIES, plan_unit
from broedplaats.demo.reference import policy_spec
from broedplaats.models import ApplicationStatus, EndReason

TODAY = date(2026, 11, 24).toordinal()
SEED = 2026
UNITS = range(1, 7)
SMALLER = {"utrecht", "den-haag", "eindhoven", "groningen"}
DISCIPLINES = [(pk, chain.slug, name)
               for pk, (chain, name) in enumerate(
                   ((chain, name) for chain in CHAINS for _slug, name, _en in chain.disciplines),
                   start=1)]


def plan(unit: int):
    with translation.override("en"):
        return plan_unit(seed=SEED, unit=unit, cities={city.slug: city for city in CITIES},
                         disciplines=DISCIPLINES, kvk_taken=set(), today=TODAY)


@pytest.fixture(scope="module")
def plans():
    return [plan(unit) for unit in UNITS]


def test_the_same_seed_plans_the_same_unit():
    def summary(unit_plan):
        return ([(t.space.code, t.creative.name, t.start, t.planned_end, t.actual_end, t.end_reason,
                  t.renewals) for t in unit_plan.tenancies],
                [(a.building.slug, a.status, a.submitted, a.events) for a in unit_plan.applications],
                [activity[1:] for activity in unit_plan.activities])
    assert summary(plan(3)) == summary(plan(3))


def test_no_planned_tenancy_reaches_its_planned_end_without_ending(plans):
    for unit_plan in plans:
        for tenancy in unit_plan.tenancies:
            if tenancy.planned_end <= TODAY:
                assert tenancy.actual_end is not None and tenancy.end_reason
            if tenancy.end_reason == EndReason.TERM_ENDED:
                assert tenancy.actual_end == tenancy.planned_end


def test_renewals_beyond_the_policy_are_a_few_a_unit_each_noted_as_tenancy_renew_does(plans):
    note = re.compile(r"^Renewal (\d+) until (\d{4}-\d{2}-\d{2}), recorded on (\d{4}-\d{2}-\d{2}) "
                      r"by (demo-programmer|–): \S.*$")
    beyond = 0
    for unit_plan in plans:
        for tenancy in unit_plan.tenancies:
            allowed = policy_spec(tenancy.space.building.city, tenancy.start).max_renewals
            lines = tenancy.term_exception.splitlines()
            assert len(lines) == max(0, tenancy.renewals - allowed)
            for line in lines:
                count, until, recorded_on = note.match(line).groups()[:3]
                assert allowed < int(count) <= tenancy.renewals
                assert date.fromisoformat(recorded_on) < date.fromisoformat(until)
            beyond += bool(lines)
    assert len(plans) <= beyond <= 10 * len(plans)


def test_waits_are_longest_in_amsterdam_and_shortest_in_the_smaller_cities(plans):
    waits = defaultdict(list)
    for unit_plan in plans:
        for application in unit_plan.applications:
            if application.status == ApplicationStatus.ACCEPTED:
                city = application.building.city.slug
                waits["smaller" if city in SMALLER else city].append(
                    application.stay.tenancy.start - application.submitted)
    assert median(waits["amsterdam"]) > 365
    assert median(waits["amsterdam"]) > median(waits["smaller"])
    assert median(waits["rotterdam"]) > median(waits["smaller"])
    assert median(waits["smaller"]) < 365


def test_each_stay_on_a_list_is_one_application_and_placed_stays_end_in_their_tenancy(plans):
    for unit_plan in plans:
        stays = [application.stay for application in unit_plan.applications]
        assert len(stays) == len(set(map(id, stays)))
        placed = [application for application in unit_plan.applications if application.offer]
        assert {id(a.stay.tenancy) for a in placed} == {id(t) for t in unit_plan.tenancies}
        for application in placed:
            offered, reply_by, answered = application.offer
            assert application.submitted <= offered <= answered <= reply_by
            assert reply_by <= application.stay.tenancy.start
            assert application.building is application.stay.tenancy.space.building
