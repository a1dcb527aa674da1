"""Writes of matching: fit weights, an applicant's ranking of a call's spaces, committee
criteria and scores, allocation rounds (run, change by hand, confirm, discard) and pathways.

A round runs one method of `broedplaats.matching` over what `selectors.matching.round_inputs`
gathered, and stores the inputs, the lottery seed and the proposal. Confirming makes the
offers through `offer_make`, in one transaction: if any offer is refused (a space let
meanwhile, a screening lapsed), none is made.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from broedplaats.matching import (
    deferred_acceptance,
    lottery_numbers,
    new_seed,
    optimal_assignment,
    order_by_score,
    serial_dictatorship,
)
from broedplaats.models import (
    COMMITTEE_MAX,
    FIT_COMPONENTS,
    AllocationMethod,
    AllocationRound,
    Application,
    ApplicationChoice,
    Building,
    Call,
    City,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Offer,
    OfferStatus,
    Pathway,
    PathwayStep,
    RoundChange,
    RoundEntry,
    RoundStatus,
    Space,
)
from broedplaats.selectors.matching import RoundInputs, round_inputs
from broedplaats.selectors.places import policy_in_force
from broedplaats.services.allocation import offer_make
from chains.formatting import long_date
from chains.locking import lock_rows, retry_on_conflict
from chains.models import Chain, Stage

__all__ = [
    "fit_weights_set",
    "fit_weights_reset",
    "application_choices_set",
    "committee_criteria_set",
    "committee_score_record",
    "round_run",
    "round_adjust",
    "round_confirm",
    "round_discard",
    "pathway_save",
    "pathway_archive",
]

User = AbstractBaseUser | None


# --- weights -----------------------------------------------------------------------------------

@transaction.atomic
def fit_weights_set(*, building: Building | None = None, city: City | None = None,
                    by: User = None, **points) -> FitWeights:
    """Set a building's own fit weights (or, with `city`, the city's defaults)."""
    if (building is None) == (city is None):
        raise ValidationError(_("Give a building or a city."))
    unknown = set(points) - {*FIT_COMPONENTS, "wait_full_days"}
    if unknown:
        raise ValidationError(_("Unknown weights: %(names)s.") % {"names": ", ".join(unknown)})
    weights = (FitWeights.objects.select_for_update().filter(building=building, city=city)
               .first() or FitWeights(building=building, city=city))
    for name, value in points.items():
        setattr(weights, name, value)
    weights.updated_by = by
    if not any(getattr(weights, name) for name in FIT_COMPONENTS):  # said beside the first
        raise ValidationError({"stage": _("At least one weight must be above 0.")})
    weights.full_clean()
    weights.save()
    return weights


@transaction.atomic
def fit_weights_reset(*, building: Building, by: User = None) -> None:
    """The building goes back to its city's weights (its own are removed)."""
    FitWeights.objects.filter(building=building).delete()


# --- what applicants and committees give -------------------------------------------------------

@retry_on_conflict
def application_choices_set(*, application: Application, spaces: list[Space]) -> list:
    """The applicant's ranking of their call's spaces, most wanted first (for stable
    matching). Replaces an earlier ranking."""
    lock_rows(Application.objects.filter(pk=application.pk))
    if application.call_id is None:
        raise ValidationError({"choices": _("Only an application to an open call ranks spaces.")})
    if application.status not in ("draft", "submitted", "screening", "eligible", "shortlisted",
                                  "ineligible"):
        raise ValidationError({"choices": _("This application can no longer be changed.")})
    offered = set(application.call.spaces.values_list("pk", flat=True))
    if len({space.pk for space in spaces}) != len(spaces):
        raise ValidationError({"choices": _("Rank each space once.")})
    foreign = [space.code for space in spaces if space.pk not in offered]
    if foreign:
        raise ValidationError({"choices": _("These spaces are not in the call: %(codes)s.")
                               % {"codes": ", ".join(foreign)}})
    ApplicationChoice.objects.filter(application=application).delete()
    return ApplicationChoice.objects.bulk_create(
        ApplicationChoice(application=application, space=space, rank=rank)
        for rank, space in enumerate(spaces, start=1))


def _committee_member(call: Call, member) -> None:
    if not (member.is_superuser or call.building.programmers.filter(pk=member.pk).exists()):
        raise ValidationError({"member": _("Only programmers of %(building)s sit on its "
                                           "committee.") % {"building": call.building}})


@retry_on_conflict
def committee_criteria_set(*, call: Call, names: list[str]) -> list[CommitteeCriterion]:
    """The criteria a call's committee scores on, in order. Criteria already scored stay
    (their scores are kept); new names are added, names left out are removed if unscored."""
    lock_rows(Call.objects.filter(pk=call.pk))
    cleaned = []
    for name in names:
        name = " ".join(name.split())
        if name and name.casefold() not in {n.casefold() for n in cleaned}:
            cleaned.append(name)
    if not cleaned:
        raise ValidationError({"criteria": _("Give at least one criterion.")})
    if len(cleaned) > 10:
        raise ValidationError({"criteria": _("Give at most 10 criteria.")})
    too_long = [name for name in cleaned if len(name) > 120]
    if too_long:
        raise ValidationError({"criteria": _("A criterion has at most 120 characters.")})
    existing = {criterion.name: criterion for criterion in call.criteria.all()}
    dropped = [c for name, c in existing.items() if name not in cleaned]
    scored = [c.name for c in dropped if c.scores.exists()]
    if scored:
        raise ValidationError({"criteria": _(
            "These criteria have scores and stay: %(names)s.") % {"names": ", ".join(scored)}})
    for criterion in dropped:
        criterion.delete()
    result = []
    for order, name in enumerate(cleaned):
        criterion = existing.get(name) or CommitteeCriterion(call=call, name=name)
        criterion.order = order
        criterion.full_clean()
        criterion.save()
        result.append(criterion)
    return result


@transaction.atomic
def committee_score_record(*, criterion: CommitteeCriterion, application: Application,
                           member, score: int) -> CommitteeScore:
    """A committee member scores one eligible applicant on one criterion (0–10); scoring
    again replaces the member's earlier score."""
    call = criterion.call
    _committee_member(call, member)
    if application.call_id != call.pk:
        raise ValidationError({"application": _("This applicant did not apply to the call.")})
    if application.status not in ("eligible", "shortlisted"):
        raise ValidationError({"application": _("Only eligible applicants are scored.")})
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= COMMITTEE_MAX:
        raise ValidationError({"score": _("A score lies between 0 and %(max)s.")
                               % {"max": COMMITTEE_MAX}})
    row, _created = CommitteeScore.objects.update_or_create(
        criterion=criterion, application=application, member=member,
        defaults={"score": score})
    return row


# --- rounds ------------------------------------------------------------------------------------

def _round_checks(calls: list[Call], method: str, on: date, start: date, reply_by: date) -> None:
    if not calls:
        raise ValidationError({"calls": _("Choose at least one open call.")})
    if method not in AllocationMethod.values:
        raise ValidationError({"method": _("Choose a method from the list.")})
    unpublished = [call.title for call in calls if call.published_at is None]
    if unpublished:
        raise ValidationError({"calls": _("These calls are not published: %(titles)s.")
                               % {"titles": ", ".join(unpublished)}})
    if len({call.building.city_id for call in calls}) > 1:
        raise ValidationError({"calls": _("A round takes the calls of one city.")})
    if start < on:
        raise ValidationError({"start": _("The tenancies cannot start before today.")})
    if start > on + timedelta(days=366):
        raise ValidationError({"start": _("The tenancies start within a year from today.")})
    if reply_by < on:
        raise ValidationError({"reply_by": _("The reply deadline cannot be before today.")})
    if reply_by > start:
        raise ValidationError({"reply_by": _("The reply deadline cannot be after the start.")})
    city = calls[0].building.city
    if policy_in_force(city=city, on=start) is None:
        raise ValidationError({"start": _("%(city)s has no policy for %(date)s.")
                               % {"city": city, "date": long_date(start)}})


def _propose(inputs: RoundInputs, method: str, lottery: dict[int, float]) -> tuple:
    """Run the method: returns (order of rows, value per row or None, space column per row)."""
    people = inputs.taking_part()
    n = len(people)
    scores = np.where(inputs.feasible, inputs.scores, np.nan) if n else inputs.scores
    draw = np.array([lottery[c.creative_id] for c in people], dtype=np.float64)
    # Pathway priority "first in line" goes before everyone in the lottery's line.
    line = draw - np.array([1.0 if c.first_in_line else 0.0 for c in people])
    best = (np.nanmax(scores, axis=1) if n and scores.shape[1] else np.full(n, np.nan))
    values: list[float | None] = [None if np.isnan(v) else float(v) for v in best]
    if method == AllocationMethod.LOTTERY:
        order = [int(i) for i in np.argsort(line, kind="stable")]
        assignment = serial_dictatorship(order, inputs.scores, inputs.feasible)
        values = [None] * n
    elif method == AllocationMethod.RANKING:
        order = order_by_score(best, line)
        assignment = serial_dictatorship(order, inputs.scores, inputs.feasible)
    elif method == AllocationMethod.COMMITTEE:
        means = np.array([np.nan if c.committee is None else c.committee for c in people])
        order = order_by_score(means, line)
        assignment = serial_dictatorship(order, inputs.scores, inputs.feasible)
        values = [None if c.committee is None else round(c.committee, 2) for c in people]
    elif method == AllocationMethod.STABLE_MATCHING:
        column = {space.pk: j for j, space in enumerate(inputs.spaces)}
        preferences = []
        for i, candidate in enumerate(people):
            ranked = [column[s] for s in candidate.choices
                      if s in column and inputs.feasible[i, column[s]]]
            # Who ranked nothing (or only spaces no longer open) follows their fit.
            rest = [int(j) for j in np.argsort(-inputs.scores[i], kind="stable")
                    if inputs.feasible[i, j] and j not in ranked]
            preferences.append(ranked if candidate.choices and ranked else ranked + rest)
        # Spaces prefer higher fit (to one decimal, as shown; pathway "first in line" above
        # everyone), then the lottery's line.
        first = np.array([1000.0 if c.first_in_line else 0.0 for c in people])

        def priority(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
            # Read for the listed pairs only: a dense copy of a city-wide round's matrix
            # would cost hundreds of MB.
            return np.round(inputs.scores[rows, columns].astype(np.float64), 1) + first[rows]

        assignment = deferred_acceptance(preferences, priority, [1] * len(inputs.spaces),
                                         tie_break=line)
        order = [int(i) for i in np.argsort(line, kind="stable")]
    else:  # optimal assignment
        assignment = optimal_assignment(inputs.scores, inputs.feasible)
        order = [int(i) for i in np.argsort(line, kind="stable")]
    return order, values, assignment


@transaction.atomic
def round_run(*, calls: list[Call], method: str, on: date, start: date, reply_by: date,
              seed: int | None = None, by: User = None) -> AllocationRound:
    """Run a method over published calls of one city and store the proposal for review.

    The seed draws the lottery (one number per applicant, reused for every space); given the
    seed of an earlier round over the same applicants, the draw is the same."""
    calls = list(Call.objects.filter(pk__in=[c.pk for c in calls])
                 .select_related("building__city").order_by("pk"))
    _round_checks(calls, method, on, start, reply_by)
    if seed is None:
        seed = new_seed()
    elif not 0 <= seed < 2 ** 63:
        raise ValidationError({"seed": _("A seed is a whole number from 0 to 2^63 - 1.")})
    if method == AllocationMethod.COMMITTEE and not CommitteeScore.objects.filter(
            criterion__call__in=calls).exists():
        raise ValidationError({"method": _("The committee has not scored anyone yet: set the "
                                           "criteria on the call and score the applicants "
                                           "first.")})
    inputs = round_inputs(calls=calls, on=on, start=start)
    if not inputs.rows:
        raise ValidationError({"calls": _(
            "No applicant of these calls can get an offer now (%(n)s in play: screened "
            "eligible applicants are needed).") % {"n": len(inputs.candidates)}})
    if not inputs.spaces:
        raise ValidationError({"calls": _("None of the calls' spaces is free from %(date)s "
                                          "without an open offer.")
                               % {"date": long_date(start)}})
    lottery = lottery_numbers(seed, [c.creative_id for c in inputs.candidates])
    order, values, assignment = _propose(inputs, method, lottery)
    round_ = AllocationRound(city=calls[0].building.city, method=method, seed=seed,
                             start=start, reply_by=reply_by, run_by=by)
    round_.inputs = _inputs_record(inputs, lottery)
    round_.full_clean()
    round_.save()
    round_.calls.set(calls)
    people = inputs.taking_part()
    position = {row: index for index, row in enumerate(order)}
    entries = []
    for i, candidate in enumerate(people):
        j = int(assignment[i])
        space = inputs.spaces[j] if j >= 0 else None
        shown = j if j >= 0 else _best_column(inputs, i)
        entries.append(RoundEntry(
            round=round_, creative_id=candidate.creative_id,
            application_id=_application_for(candidate, space) if space else candidate.application_id,
            position=position.get(i, len(order) + i) + 1, lottery=lottery[candidate.creative_id],
            value=values[i], proposed_space=space, space=space,
            score=float(inputs.scores[i, j]) if j >= 0 else None,
            breakdown=_breakdown_record(inputs, i, shown),
        ))
    after = len(people)
    for candidate in inputs.candidates:
        if candidate.excluded:
            after += 1
            entries.append(RoundEntry(
                round=round_, creative_id=candidate.creative_id,
                application_id=candidate.application_id, position=after,
                lottery=lottery[candidate.creative_id], excluded=candidate.excluded[:300]))
    RoundEntry.objects.bulk_create(entries)
    return round_


def _application_for(candidate, space: Space) -> int:
    return next(candidate.applications[call] for call in space.round_calls
                if call in candidate.applications)


def _best_column(inputs: RoundInputs, i: int) -> int:
    feasible = np.flatnonzero(inputs.feasible[i])
    if not len(feasible):
        return -1
    return int(feasible[np.argmax(inputs.scores[i, feasible])])


def _breakdown_record(inputs: RoundInputs, i: int, j: int) -> dict:
    if j < 0:
        return {}
    parts = inputs.breakdown(i, j)
    return {"space": inputs.spaces[j].pk,
            **{key: round(float(value), 1) for key, value in parts.items()}}


def _inputs_record(inputs: RoundInputs, lottery: dict[int, float]) -> dict:
    """What the round saw, kept with it (no contact data: ids, numbers and reasons)."""
    return {
        "on": inputs.on.isoformat(),
        "start": inputs.start.isoformat(),
        "weights": {str(b): vars(w) for b, w in inputs.weights.items()},
        "spaces": [space.pk for space in inputs.spaces],
        "spaces_left_out": {str(pk): reason for pk, reason in inputs.spaces_left_out.items()},
        "applicants": [
            {"creative": c.creative_id, "applications": c.applications,
             "lottery": lottery[c.creative_id], "stage": c.stage_id, "chain": c.chain_id,
             "wait_days": c.wait_days, "bonus": c.bonus, "first_in_line": c.first_in_line,
             "choices": c.choices, "committee": c.committee, "excluded": c.excluded}
            for c in inputs.candidates
        ],
    }


def _proposed_round(round_: AllocationRound) -> AllocationRound:
    lock_rows(AllocationRound.objects.filter(pk=round_.pk))
    round_.refresh_from_db()
    if round_.status != RoundStatus.PROPOSED:
        raise ValidationError({"status": _("This round is %(status)s and can no longer be "
                                           "changed.") % {"status": round_.get_status_display()}})
    return round_


@retry_on_conflict
def round_adjust(*, round: AllocationRound, entry: RoundEntry, space: Space | None,
                 by: User = None) -> RoundEntry:
    """Change a proposal by hand: give `entry` this space (None: no space). An applicant who
    held that space gets the space `entry` held (a swap), and both changes are recorded."""
    round_ = _proposed_round(round)
    entry = RoundEntry.objects.select_for_update().get(pk=entry.pk, round=round_)
    if entry.excluded:
        raise ValidationError({"space": _("%(name)s is left out of this round: %(reason)s.")
                               % {"name": entry.creative, "reason": entry.excluded}})
    open_spaces = set(round_.inputs.get("spaces", []))
    if space is not None and space.pk not in open_spaces:
        raise ValidationError({"space": _("This space is not open in the round.")})
    if space is not None and not _applied_to(round_, entry, space):
        raise ValidationError({"space": _("%(name)s did not apply to this space's call.")
                               % {"name": entry.creative}})
    if space is not None and space.pk == entry.space_id:
        return entry
    holder = (RoundEntry.objects.select_for_update().filter(round=round_, space=space).first()
              if space is not None else None)
    old = entry.space
    if holder is not None:  # free the space first: a space goes to one applicant a round
        RoundEntry.objects.filter(pk=holder.pk).update(space=None)
    entry.space = space
    _rescore(round_, entry)
    entry.save()
    changes = [RoundChange(round=round_, entry=entry, from_space=old, to_space=space, by=by)]
    if holder is not None:
        holder.space = old if old is not None and _applied_to(round_, holder, old) else None
        _rescore(round_, holder)
        holder.save()
        changes.append(RoundChange(round=round_, entry=holder, from_space=space,
                                   to_space=holder.space, by=by))
    RoundChange.objects.bulk_create(changes)
    return entry


def _applied_to(round_: AllocationRound, entry: RoundEntry, space: Space) -> bool:
    applied = next((a for a in round_.inputs["applicants"] if a["creative"] == entry.creative_id),
                   None)
    calls = set(space.calls.filter(rounds=round_).values_list("pk", flat=True))
    return bool(applied and calls & {int(c) for c in applied["applications"]})


def _rescore(round_: AllocationRound, entry: RoundEntry) -> None:
    """The fit and breakdown of the entry's (new) space, and the application it goes by."""
    if entry.space is None:
        entry.score = None
        return
    calls = list(round_.calls.select_related("building__city"))
    inputs = round_inputs(calls=calls, on=date.fromisoformat(round_.inputs["on"]),
                          start=round_.start, creative_ids=[entry.creative_id])
    column = next((j for j, s in enumerate(inputs.spaces) if s.pk == entry.space_id), None)
    if not inputs.rows or column is None:
        entry.score, entry.breakdown = None, {}
        return
    candidate = inputs.taking_part()[0]
    entry.score = float(inputs.scores[0, column])
    entry.breakdown = _breakdown_record(inputs, 0, column)
    entry.application_id = _application_for(candidate, inputs.spaces[column])


@retry_on_conflict
def round_confirm(*, round: AllocationRound, on: date, by: User = None) -> list:
    """Make the offers of a proposal through `offer_make` (same deadlines, mails and rules).
    All or nothing: if one is refused, none is made and the message names the space.

    Everything is locked up front, in the lock order: this round with the proposals it
    discards, then every space, their open offers, and every application involved; offer_make
    one space after another would otherwise lock a space after an application."""
    calls = list(round.calls.values_list("pk", flat=True))
    lock_rows(AllocationRound.objects.filter(
        Q(pk=round.pk) | Q(pk__in=list(AllocationRound.objects.filter(
            status=RoundStatus.PROPOSED, calls__in=calls).values_list("pk", flat=True)))))
    round_ = _proposed_round(round)
    entries = list(round_.entries.filter(space__isnull=False)
                   .select_related("space__building", "application__building__city",
                                   "application__call", "application__creative")
                   .order_by("position"))
    space_ids = [entry.space_id for entry in entries]
    lock_rows(Space.objects.filter(pk__in=space_ids))
    open_offers = Offer.objects.filter(space__in=space_ids, status=OfferStatus.OPEN)
    lock_rows(open_offers)
    lock_rows(Application.objects.filter(pk__in={
        *(entry.application_id for entry in entries),
        *open_offers.values_list("application_id", flat=True)}))
    if not entries:
        raise ValidationError({"status": _("The proposal gives no space to anyone.")})
    if round_.reply_by < on:
        raise ValidationError({"reply_by": _("The reply deadline %(date)s has passed; run the "
                                             "round again.") % {"date": long_date(round_.reply_by)}})
    offers = []
    for entry in entries:
        try:
            offers.append(offer_make(application=entry.application, space=entry.space,
                                     start=round_.start, reply_by=round_.reply_by, on=on,
                                     by=by))
        except ValidationError as error:
            messages = "; ".join(error.messages)
            raise ValidationError({"space": _("%(space)s for %(name)s: %(message)s Nothing was "
                                              "offered; change the proposal or run the round "
                                              "again.")
                                   % {"space": entry.space, "name": entry.creative,
                                      "message": messages}}) from error
    round_.status = RoundStatus.CONFIRMED
    round_.decided_by, round_.decided_at = by, timezone.now()
    round_.save(update_fields=["status", "decided_by", "decided_at"])
    # Other proposals over the same calls are out of date now.
    AllocationRound.objects.filter(status=RoundStatus.PROPOSED,
                                   calls__in=round_.calls.all()).exclude(pk=round_.pk).update(
        status=RoundStatus.DISCARDED, decided_by=by, decided_at=timezone.now())
    return offers


@retry_on_conflict
def round_discard(*, round: AllocationRound, by: User = None) -> AllocationRound:
    round_ = _proposed_round(round)
    round_.status = RoundStatus.DISCARDED
    round_.decided_by, round_.decided_at = by, timezone.now()
    round_.save(update_fields=["status", "decided_by", "decided_at"])
    return round_


# --- pathways ----------------------------------------------------------------------------------

@retry_on_conflict
def pathway_save(*, city: City, chain: Chain, name: str, steps: list[tuple[Building, Stage]],
                 pathway: Pathway | None = None, by: User = None, **fields) -> Pathway:
    """Create or change a pathway: ordered (building, stage) steps of one chain through
    active buildings of one city, stages never going back."""
    if pathway is not None:
        lock_rows(Pathway.objects.filter(pk=pathway.pk))
        if pathway.archived:
            raise ValidationError({"name": _("This pathway is archived.")})
    if len(steps) < 2:
        raise ValidationError({"steps": _("A pathway has at least two steps.")})
    if len(steps) > 12:
        raise ValidationError({"steps": _("A pathway has at most 12 steps.")})
    archived = [str(b) for b, _stage in steps if b.archived]
    if archived:
        raise ValidationError({"steps": _("These buildings are archived: %(names)s.")
                               % {"names": ", ".join(archived)}})
    elsewhere = [str(b) for b, _stage in steps if b.city_id != city.pk]
    if elsewhere:
        raise ValidationError({"steps": _("These buildings are not in %(city)s: %(names)s.")
                               % {"city": city, "names": ", ".join(elsewhere)}})
    if any(b1.pk == b2.pk for (b1, _s1), (b2, _s2) in zip(steps, steps[1:], strict=False)):
        raise ValidationError({"steps": _("Two steps in a row cannot be the same building.")})
    if any(s2.order < s1.order for (_b1, s1), (_b2, s2) in zip(steps, steps[1:], strict=False)):
        raise ValidationError({"steps": _("The stages of a pathway never go back.")})
    pathway = pathway or Pathway(created_by=by)
    pathway.city, pathway.chain, pathway.name = city, chain, " ".join(name.split())
    for key, value in fields.items():
        setattr(pathway, key, value)
    pathway.full_clean()
    try:
        with transaction.atomic():
            pathway.save()
    except IntegrityError as error:
        raise ValidationError({"name": _("This pathway could not be saved.")}) from error
    pathway.steps.all().delete()
    PathwayStep.objects.bulk_create(
        PathwayStep(pathway=pathway, order=order, building=building, stage=stage)
        for order, (building, stage) in enumerate(steps, start=1))
    return pathway


@retry_on_conflict
def pathway_archive(*, pathway: Pathway, by: User = None) -> Pathway:
    """Archive a pathway: it gives no priority from now on; moves along it stay counted."""
    lock_rows(Pathway.objects.filter(pk=pathway.pk))
    pathway.archived = True
    pathway.save(update_fields=["archived"])
    return pathway
