"""The simulation of a unit: lettings, renewals, ends and candidate lists, day by day up to
`today` (see the package docstring). Plain Python; nothing here touches the database."""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from broedplaats.models import EndReason
from broedplaats.services import add_months
from chains.models import CreativeKind

from .buildings import BuildingPlan, SpacePlan, rent
from .careers import CreativePlan
from .reference import (
    DESK,
    DISTRIBUTION,
    LIVE_WORK,
    MARKET,
    OFFICE,
    PROGRAMMER_USERNAME,
    STUDIO,
    policy_spec,
    weighted,
)

if TYPE_CHECKING:
    from .records import ApplicationPlan


@dataclass(eq=False, slots=True)
class TenancyPlan:
    space: SpacePlan
    creative: CreativePlan
    start: int
    planned_end: int
    monthly_rent: Decimal
    exception: str
    renewals: int = 0
    term_exception: str = ""  # one dated note per renewal beyond the policy's
    actual_end: int | None = None
    end_reason: str = ""
    over: bool = False
    created: int | None = None  # the day the offer that started it was accepted
    pk: int | None = None


@dataclass(eq=False, slots=True)
class StayPlan:
    """A creative's stay on a candidate list: from joining until placed, gone, or `today`."""

    creative: CreativePlan
    joined: int
    stage: str  # the career phase waited for (the latest, if it changed while waiting)
    left: int | None = None
    tenancy: TenancyPlan | None = None  # where the stay ended, if the creative was placed
    gone: str = ""  # MARKET or LEAVE: why the creative left the list without a place


@dataclass(slots=True)
class UnitPlan:
    index: int
    buildings: list[BuildingPlan]
    spaces: list[SpacePlan]
    creatives: list[CreativePlan]
    tenancies: list[TenancyPlan] = field(default_factory=list)
    # (creative, day ordinal, from stage, to stage, to market, building)
    moves: list[tuple] = field(default_factory=list)
    stays: list[StayPlan] = field(default_factory=list)
    applications: list[ApplicationPlan] = field(default_factory=list)
    # (tenancy, kind, day, hours, description, day recorded)
    activities: list[tuple] = field(default_factory=list)


LEAVE = "leave"  # the creative left the sector (a stay's `gone`)
# A tenancy runs its term and may be renewed when the creative still fits the space; the
# building's habits decide how readily (`BuildingPlan.renewal`). In each term a tenancy may
# also end early, for one of these reasons.
EARLY_END_CHANCE = 0.1
EARLY_END_REASONS = ((EndReason.OTHER_BROEDPLAATS, 30), (EndReason.LEFT_SECTOR, 20),
                     (EndReason.TERMINATED, 10), (EndReason.OTHER, 40))
# After a term that is not renewed, this share looks for a space again (the rest found one
# elsewhere, outside the broedplaatsen).
REJOIN_AFTER_TERM = 0.85
# An incubator's chance to send a tenant on when a project reaches distribution, as a share of
# its push-on chance on a change of career phase.
GRADUATION, GRADUATION_AFTER = 0.5, 180  # (and not in the first half year)
SCANNED = 150  # how far down a candidate list a letting looks for someone who fits
# A building with an open call on `today` keeps the first spaces freed in the last year for the
# call (at most this many) instead of letting them from its candidate list.
CALL_HOLDS, CALL_SPACES = 365, 4
BEYOND_MAX_REASONS = (
    "Lopend project met subsidie van het Mondriaan Fonds tot na de einddatum; verhuizen nu "
    "zou het project stilleggen.",
    "Geen passende doorstroomruimte in de stad beschikbaar; verlengd tot er een plek vrijkomt.",
    "Bereidt een solotentoonstelling voor; verlenging in overleg met de programmeur.",
    "Het gebouw gaat binnenkort dicht; verlengd tot de sluiting.",
    "Zorgt voor de gedeelde werkplaats en de nieuwe huurders; de raad van het gebouw stemde in.",
)

# Events on the same day run in this order: endings first, then lettings (a space goes to
# someone whose career phase holds for a while), then stage moves and leaving the sector, so a
# move never falls on the first day of a tenancy the simulation has not yet started.
_END, _EARLY_END, _FREE, _ENTER, _MOVE, _LEAVE = range(6)
_NEVER = date.max.toordinal()


def _term_months(space: SpacePlan, start: int) -> int:
    """The term of a tenancy of the space started on a day: the policy's standard term, or
    the space's own shorter one (flexible desks)."""
    policy = policy_spec(space.building.city, start)
    return min(policy.standard_term_months, space.term_months or policy.standard_term_months)


class Simulation:
    """Lets the unit's spaces to its creatives day by day up to `today` (see the package
    docstring)."""

    def __init__(self, unit: UnitPlan, rng: random.Random, today: int):
        self.unit, self.rng, self.today = unit, rng, today
        self.events: list[tuple] = []
        self.sequence = itertools.count()
        self.pools: dict[tuple[str, str], dict[CreativePlan, int]] = {}
        self.held: dict[BuildingPlan, int] = {}  # spaces kept for an open call

    def push(self, day: int, order: int, payload: object) -> None:
        if day <= self.today:
            heapq.heappush(self.events, (day, order, next(self.sequence), payload))

    def run(self) -> None:
        for creative in self.unit.creatives:
            self.push(creative.timeline[0][0], _ENTER, creative)
            if creative.leaves is not None:
                self.push(creative.leaves, _LEAVE, creative)
        for space in self.unit.spaces:
            self.push(space.building.opened + self.rng.randint(0, 90), _FREE, (space, None))
        handlers = {_END: self.planned_end, _EARLY_END: self.early_end, _MOVE: self.move,
                    _ENTER: self.enter, _FREE: self.free, _LEAVE: self.leave_sector}
        while self.events:
            day, order, _seq, payload = heapq.heappop(self.events)
            handlers[order](day, payload)

    # candidate lists -------------------------------------------------------------------------
    def join(self, creative: CreativePlan, day: int) -> None:
        if creative.active and creative.seeks and creative.pool is None:
            creative.pool = (creative.city.slug, creative.phase)
            self.pools.setdefault(creative.pool, {})[creative] = day
            creative.stay = StayPlan(creative=creative, joined=day, stage=creative.phase)
            self.unit.stays.append(creative.stay)

    def leave(self, creative: CreativePlan, day: int, tenancy: TenancyPlan | None = None,
              gone: str = "") -> None:
        """The creative leaves the candidate list: placed in `tenancy`, or gone."""
        if creative.pool is None:
            return
        del self.pools[creative.pool][creative]
        creative.pool = None
        creative.stay.left, creative.stay.tenancy, creative.stay.gone = day, tenancy, gone
        creative.stay = None

    def rejoin(self, creative: CreativePlan) -> None:
        """The career phase changed while waiting: the same stay, waiting since the same day,
        now for the new phase."""
        since = self.pools[creative.pool].pop(creative)
        creative.pool = (creative.city.slug, creative.phase)
        self.pools.setdefault(creative.pool, {})[creative] = since
        creative.stay.stage = creative.phase

    # events ------------------------------------------------------------------------------------
    def record(self, creative: CreativePlan, day: int, target: str) -> None:
        tenancy = creative.tenancy
        building = tenancy.space.building if tenancy else None
        to_market = target == MARKET
        self.unit.moves.append((creative, day, creative.stage, None if to_market else target,
                                to_market, building))

    def advance(self, creative: CreativePlan) -> None:
        """Schedule the creative's next move (one at a time keeps the event queue short)."""
        creative.next_move += 1
        if creative.next_move < len(creative.timeline):
            self.push(creative.timeline[creative.next_move][0], _MOVE, creative)

    def enter(self, day: int, creative: CreativePlan) -> None:
        _day, stage, _career = creative.timeline[0]
        self.record(creative, day, stage)
        creative.stage = creative.phase = stage
        self.join(creative, day)
        self.advance(creative)

    def move(self, day: int, creative: CreativePlan) -> None:
        if not creative.active:
            return
        _day, target, career = creative.timeline[creative.next_move]
        self.record(creative, day, target)
        self.advance(creative)
        if not career:
            # a project moves on: recorded, the tenancy and the candidate list stay as they are,
            # but an incubator sends a tenant whose product reaches the market on now and then
            creative.stage = target
            tenancy = creative.tenancy
            if tenancy and target == DISTRIBUTION and day - tenancy.start >= GRADUATION_AFTER \
                    and self.pushed_on(tenancy, GRADUATION):
                self.end(tenancy, day, EndReason.NEXT_STAGE)
                self.join(creative, day)
            return
        creative.next_career += 1
        tenancy = creative.tenancy
        if target == MARKET:
            creative.active = False
            self.leave(creative, day, gone=MARKET)
            if tenancy:
                self.end(tenancy, day, EndReason.OUTFLOW_TO_MARKET)
            creative.stage = creative.phase = None
            return
        creative.stage = creative.phase = target
        if tenancy and (target not in tenancy.space.stages or self.pushed_on(tenancy)):
            self.end(tenancy, day, EndReason.NEXT_STAGE)
            self.join(creative, day)
        elif creative.pool is not None:
            self.rejoin(creative)

    def pushed_on(self, tenancy: TenancyPlan, share: float = 1.0) -> bool:
        """Whether the building sends a tenant on to a next building, though the space would
        still do (incubators): on a change of career phase, or (a share of that) when a project
        reaches distribution."""
        push_on = tenancy.space.building.push_on * share
        return bool(push_on) and self.rng.random() < push_on

    def leave_sector(self, day: int, creative: CreativePlan) -> None:
        """The creative stops: no stage move, the tenancy ends, the creative is archived."""
        if not creative.active:
            return
        creative.active, creative.archived = False, True
        self.leave(creative, day, gone=LEAVE)
        if creative.tenancy:
            self.end(creative.tenancy, day, EndReason.LEFT_SECTOR)

    def next_career_day(self, creative: CreativePlan) -> int:
        """The day the creative's career phase next changes (or they leave the sector)."""
        if creative.next_career < len(creative.career_days):
            return creative.career_days[creative.next_career]
        return _NEVER

    def let(self, space: SpacePlan, creative: CreativePlan, day: int) -> TenancyPlan:
        policy = policy_spec(space.building.city, day)
        planned_end = add_months(date.fromordinal(day), _term_months(space, day))
        if space.building.temporary_until:
            planned_end = min(planned_end, space.building.temporary_until)
        tenancy = TenancyPlan(
            space=space, creative=creative, start=day, planned_end=planned_end.toordinal(),
            monthly_rent=rent(space.area, policy.caps[space.kind], space.rent_factor),
            exception=space.exception,
        )
        self.unit.tenancies.append(tenancy)
        space.tenancy = creative.tenancy = tenancy
        self.term_started(tenancy, day)
        return tenancy

    def term_started(self, tenancy: TenancyPlan, day: int) -> None:
        """Schedule the end of the term that starts on `day`, and perhaps an early end in it."""
        self.push(tenancy.planned_end, _END, tenancy)
        length = tenancy.planned_end - day
        if length > 120 and self.rng.random() < EARLY_END_CHANCE:
            reason = weighted(self.rng, EARLY_END_REASONS)
            self.push(day + self.rng.randint(60, length - 1), _EARLY_END, (tenancy, reason))

    def renew(self, tenancy: TenancyPlan, day: int, reason: str = "") -> None:
        """Extend the tenancy by a term from its planned end, as `tenancy_renew` does; a renewal
        beyond the policy's carries a dated note with the reason."""
        space = tenancy.space
        planned_end = add_months(date.fromordinal(tenancy.planned_end),
                                 _term_months(space, tenancy.start))
        if space.building.temporary_until:
            planned_end = min(planned_end, space.building.temporary_until)
        tenancy.planned_end = planned_end.toordinal()
        tenancy.renewals += 1
        if reason:
            recorded_on = date.fromordinal(day - self.rng.randint(10, 45))
            by = PROGRAMMER_USERNAME if space.building.programmed else "–"
            # the note tenancy_renew writes, in the same words
            note = gettext("Renewal %(count)s until %(date)s, recorded on %(on)s by %(by)s: "
                           "%(reason)s") % {
                "count": tenancy.renewals, "date": planned_end.isoformat(),
                "on": recorded_on.isoformat(), "by": by, "reason": reason}
            tenancy.term_exception = "\n".join(
                part for part in (tenancy.term_exception, note) if part)
        self.term_started(tenancy, day)

    def end(self, tenancy: TenancyPlan, day: int, reason: str) -> None:
        """End a tenancy on a day, with its reason; the space is let again a little later."""
        tenancy.over = True
        tenancy.actual_end, tenancy.end_reason = day, reason
        tenancy.space.tenancy = None
        tenancy.creative.tenancy = None
        tenancy.creative.last_space = tenancy.space
        self.push(day + self.rng.randint(7, 60), _FREE, (tenancy.space, None))

    def planned_end(self, day: int, tenancy: TenancyPlan) -> None:
        if tenancy.over:
            return
        creative, space = tenancy.creative, tenancy.space
        building = space.building
        policy = policy_spec(building.city, tenancy.start)
        temporary_until = building.temporary_until
        may_stay = (
            creative.active and creative.phase in space.stages
            and self.next_career_day(creative) > day + 60
            and (temporary_until is None or temporary_until.toordinal() > day + 60)
        )
        if may_stay and self.rng.random() < building.renewal:
            if tenancy.renewals < policy.max_renewals:
                self.renew(tenancy, day)
                return
            if building.beyond_max and self.rng.random() < building.beyond_max:
                self.renew(tenancy, day, self.rng.choice(BEYOND_MAX_REASONS))
                return
        self.end(tenancy, day, EndReason.TERM_ENDED)
        if self.rng.random() < REJOIN_AFTER_TERM:
            self.join(creative, day)

    def early_end(self, day: int, payload) -> None:
        tenancy, reason = payload
        if tenancy.over:
            return
        creative = tenancy.creative
        self.end(tenancy, day, reason)
        if reason == EndReason.LEFT_SECTOR:
            creative.active, creative.archived = False, True
        elif reason in (EndReason.OTHER_BROEDPLAATS, EndReason.TERMINATED):
            creative.seeks = False
        else:
            self.join(creative, day)

    def free(self, day: int, payload) -> None:
        space, vacant_since = payload
        if space.tenancy is not None:
            return
        building = space.building
        if building.open_call and day > self.today - CALL_HOLDS and self.held.get(building, 0) < CALL_SPACES:
            self.held[building] = self.held.get(building, 0) + 1
            return  # kept for the open call
        vacant_since = day if vacant_since is None else vacant_since
        # Generic spaces go to any stage-fit creative once they have stood empty for a while.
        relaxed = day - vacant_since > 120 and space.kind in (STUDIO, DESK, OFFICE)
        creative = self.pick(space, day, relaxed)
        if creative is None:
            self.push(day + self.rng.randint(30, 75), _FREE, (space, vacant_since))
            return
        self.leave(creative, day, self.let(space, creative, day))

    def pick(self, space: SpacePlan, day: int, relaxed: bool) -> CreativePlan | None:
        """The waiting creative a space goes to: chain focus first, then the longest waiting,
        with a lottery among the first few (as open calls do)."""
        candidates = []
        focus = space.building.chains
        for stage in space.stages:
            pool = self.pools.get((space.building.city.slug, stage))
            if not pool:
                continue
            found = 0
            for scanned, (creative, since) in enumerate(pool.items()):
                if scanned >= SCANNED or found >= 4:
                    break
                if self.next_career_day(creative) <= day + 30 or creative.last_space is space:
                    continue
                if not relaxed and space.kind not in creative.chain.wants[stage]:
                    continue
                if space.kind == LIVE_WORK and creative.kind not in (CreativeKind.PERSON, CreativeKind.DUO):
                    continue
                found += 1
                candidates.append((creative.chain.slug not in focus, since, creative))
        if not candidates:
            return None
        candidates.sort(key=lambda item: item[:2])
        if self.rng.random() < 0.6:
            return candidates[0][2]
        return self.rng.choice(candidates[:4])[2]
