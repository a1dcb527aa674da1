"""The open calls at the end of the demo: published calls of unit 0 with a handful of
applications in varied states, written through the services (few rows)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models.functions import Coalesce

from broedplaats import notifications
from broedplaats.models import ApplicationStatus, Building, Call, Space, Tenancy
from broedplaats.services import allocation
from chains.models import Creative

from .careers import CreativePlan
from .records import MOTIVATIONS
from .simulation import UnitPlan
from .writing import Refs

# Applications on the demo calls, in call order: the status each ends in (one gets an offer).
_APPLICATION_OUTCOMES = (
    (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.OFFERED,
     ApplicationStatus.INELIGIBLE),
    (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED, ApplicationStatus.ELIGIBLE),
    (ApplicationStatus.SUBMITTED, ApplicationStatus.INELIGIBLE, ApplicationStatus.SHORTLISTED),
    (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE),
)


def _free_spaces(building_id: int, today: date) -> list[Space]:
    """Active spaces of a building let to no one on `today` and later (no tenancy starts later)."""
    taken = Tenancy.objects.annotate(ends=Coalesce("actual_end", "planned_end")).filter(
        space__building_id=building_id, ends__gt=today).values("space_id")
    return list(Space.objects.filter(building_id=building_id, archived=False)
                .exclude(pk__in=taken).order_by("code"))


def open_calls(plan: UnitPlan, refs: Refs, programmer, linked: Creative | None,
                rng: random.Random, today: date) -> None:
    """Published open calls of unit 0 (one per building of the demo programmer, one in Rotterdam)
    and a handful of applications to them in varied states, all through the services (few rows).
    Applicants are waiting creatives of the building's city, never the demo creative's. The
    services' mails are not sent: the demo addresses are made up."""
    buildings = [b for b in plan.buildings if b.open_call]
    waiting = {}
    for c in plan.creatives:
        if c.tenancy is None and c.active and not c.archived and c.seeks and c.stage in refs.stages \
                and (linked is None or c.pk != linked.pk):
            waiting.setdefault(c.city.slug, []).append(c)
    with notifications.muted():
        for b, outcomes in zip(buildings, _APPLICATION_OUTCOMES, strict=False):
            free = _free_spaces(b.pk, today)
            if len(free) < 2:
                continue
            offered = sorted(rng.sample(free, min(len(free), rng.randint(2, 4))),
                             key=lambda space: space.code)
            by = programmer if b.programmed else None
            stage_ids = sorted(set(Space.stages.through.objects.filter(
                space__in=offered).values_list("stage_id", flat=True)))
            call = allocation.call_create(
                building=Building.objects.get(pk=b.pk), spaces=offered,
                chains=[refs.chains[slug] for slug in b.chains], stages=stage_ids,
                title=f"Open oproep: {len(offered)} ruimtes in {b.name}",
                text=(f"{b.name} zoekt makers voor {len(offered)} vrijgekomen ruimtes "
                      f"({', '.join(space.code for space in offered)}). Reageer vóór "
                      f"{(today + timedelta(weeks=3)).isoformat()}; de ruimtes worden verloot "
                      "onder de geschikte aanmelders."),
                opens_on=today - timedelta(weeks=1), closes_on=today + timedelta(weeks=3), by=by)
            allocation.call_publish(call=call, on=today, by=by)
            pool = waiting.get(b.city.slug, [])
            for outcome, applicant in zip(outcomes, rng.sample(pool, min(len(pool), len(outcomes))),
                                          strict=False):
                _apply(call, applicant, outcome, offered[0], refs, by, rng, today)
                pool.remove(applicant)


def _apply(call: Call, applicant: CreativePlan, outcome: str, space: Space, refs: Refs, by,
           rng: random.Random, today: date) -> None:
    creative = Creative.objects.get(pk=applicant.pk)
    application = allocation.application_create(
        creative=creative, call=call, on=today, by=creative.user,
        stage_id=refs.stages[applicant.stage], motivation=rng.choice(MOTIVATIONS))
    allocation.application_submit(application=application, on=today, by=creative.user)
    if outcome == ApplicationStatus.SUBMITTED:
        return
    eligible = outcome != ApplicationStatus.INELIGIBLE
    allocation.screening_record(
        creative=creative, city=call.building.city, on=today, professional_practice=True,
        income_within_limit=eligible, by=by,
        reasons="" if eligible else "Inkomen boven de grens van het beleid.")
    application.refresh_from_db()
    if outcome == ApplicationStatus.SHORTLISTED:
        allocation.application_transition(application=application, to=outcome, by=by)
    elif outcome == ApplicationStatus.OFFERED:
        allocation.offer_make(application=application, space=space, on=today,
                              start=today + timedelta(weeks=2),
                              reply_by=today + timedelta(weeks=1), by=by)
