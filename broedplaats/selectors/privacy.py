"""Reads of privacy: everything held about a creative, as the export a creative downloads
(docs/privacy.md, "Your rights").

`creative_export` gathers it in a fixed number of queries, however many rows the creative
has; `creative_export_write` writes it as a zip (`data.json` and the portfolio's original
images under `images/`) into a file the caller gives, reading the images through the storage
API, so it works the same on a disk and on S3.
"""

import json
import posixpath
import zipfile
from collections import defaultdict
from datetime import datetime
from typing import IO

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F

from broedplaats.models import (
    ApiToken,
    ApplicantNote,
    Application,
    ApplicationChoice,
    ApplicationEvent,
    CommitteeScore,
    Offer,
    RoundEntry,
    Screening,
    SocialReturn,
    Tenancy,
)
from chains.models import Creative, PortfolioImage, StageMove

FORMAT_VERSION = 1


def _grouped(rows, key: str) -> dict:
    """Rows by the value of `key` (dropped from each row: the parent already says it)."""
    groups = defaultdict(list)
    for row in rows:
        groups[row.pop(key)].append(row)
    return groups


def _image_path(row: dict) -> str:
    """Where a portfolio original lies in the zip: its position and its stored file's name."""
    return f"images/{row['position'] + 1:03d}-{posixpath.basename(row['image'])}"


def creative_export(*, creative: Creative, at: datetime) -> dict:
    """Everything held about a creative and their account, as plain data (17 queries,
    whatever the number of rows). Token hashes are never in it."""
    creative = Creative.objects.select_related("discipline__chain", "user").get(pk=creative.pk)
    user = creative.user
    portfolio = list(PortfolioImage.objects.filter(creative=creative).order_by("position", "id")
                     .values("id", "position", "caption", "width", "height", "uploaded_at",
                             "image"))
    for row in portfolio:
        row["file"] = _image_path(row)
        del row["image"]
    applications = list(
        Application.objects.filter(creative=creative).order_by("created_at", "id").values(
            "id", "status", "created_at", "submitted_at", "anonymised_at", "motivation",
            "min_area_m2", "max_area_m2", "max_rent", building_name=F("building__name"),
            call_title=F("call__title"), stage_code=F("stage__code")))
    mine = {"application__creative": creative}
    facilities = _grouped(Application.facilities.through.objects.filter(**mine).values(
        "application_id", code=F("facility__code")), "application_id")
    shown = _grouped(Application.portfolio_images.through.objects.filter(**mine).values(
        "application_id", image=F("portfolioimage_id")), "application_id")
    events = _grouped(ApplicationEvent.objects.filter(**mine).order_by("at", "id").values(
        "application_id", "from_status", "to_status", "note", "at"), "application_id")
    notes = _grouped(ApplicantNote.objects.filter(**mine).order_by("created_at", "id").values(
        "application_id", "text", "created_at"), "application_id")
    choices = _grouped(ApplicationChoice.objects.filter(**mine).order_by("rank").values(
        "application_id", "rank", space_code=F("space__code")), "application_id")
    scores = _grouped(CommitteeScore.objects.filter(**mine).order_by("criterion__order").values(
        "application_id", "score", "scored_at", criterion_name=F("criterion__name")),
        "application_id")
    rounds = _grouped(RoundEntry.objects.filter(**mine).order_by("round__run_at").values(
        "application_id", "round_id", "position", "lottery", "value", "score", "excluded",
        method=F("round__method"), space_code=F("space__code")),
        "application_id")
    for row in applications:
        pk = row["id"]
        row.update({
            "facilities_wished": [item["code"] for item in facilities.get(pk, [])],
            "portfolio_selection": [item["image"] for item in shown.get(pk, [])],
            "status_changes": events.get(pk, []),
            "programmers_notes": notes.get(pk, []),
            "ranked_spaces": choices.get(pk, []),
            "committee_scores": scores.get(pk, []),
            "allocation_rounds": rounds.get(pk, []),
        })
    tenancies = list(Tenancy.objects.filter(creative=creative).order_by("start", "id").values(
        "id", "start", "planned_end", "actual_end", "monthly_rent", "end_reason", "renewals",
        "rent_exception_reason", "term_exception_reason", "cancel_reason", "created_at",
        "ended_at", space_code=F("space__code"), building_name=F("space__building__name")))
    returns = _grouped(SocialReturn.objects.filter(tenancy__creative=creative)
                       .order_by("on", "id").values("tenancy_id", "kind", "on", "hours",
                                                    "description"), "tenancy_id")
    for row in tenancies:
        row["social_return"] = returns.get(row["id"], [])
    return {
        "format": FORMAT_VERSION,
        "exported_at": at,
        "profile": {
            "id": creative.pk, "name": creative.name, "kind": creative.kind,
            "kvk_number": creative.kvk_number, "email": creative.email,
            "phone": creative.phone, "website": creative.website, "bio": creative.bio,
            "discipline": creative.discipline.name, "chain": creative.discipline.chain.name,
            "archived": creative.archived, "created_at": creative.created_at,
        },
        "account": None if user is None else {
            "username": user.get_username(), "email": user.email,
            "first_name": user.first_name, "last_name": user.last_name,
            "date_joined": user.date_joined, "last_login": user.last_login,
        },
        "portfolio": portfolio,
        "applications": applications,
        "offers": list(Offer.objects.filter(**mine).order_by("offered_on", "id").values(
            "id", "application_id", "status", "offered_on", "reply_by", "start", "responded_at",
            "tenancy_id", space_code=F("space__code"), building_name=F("space__building__name"))),
        "screenings": list(Screening.objects.filter(creative=creative)
                           .order_by("decided_on", "id").values(
            "id", "professional_practice", "income_within_limit", "eligible", "reasons",
            "decided_on", "valid_until", city_name=F("city__name"))),
        "tenancies": tenancies,
        "stage_moves": list(StageMove.objects.filter(creative=creative)
                            .order_by("moved_on", "id").values(
            "moved_on", "to_market", "note", "recorded_at", from_stage_code=F("from_stage__code"),
            to_stage_code=F("to_stage__code"), building_name=F("building__name"))),
        "api_tokens": [] if user is None else list(
            ApiToken.objects.filter(user=user).order_by("created_at", "id").values(
                "name", "prefix", "created_at", "expires_on", "last_used_at", "revoked_at")),
    }


def creative_export_write(*, creative: Creative, at: datetime, out: IO[bytes]) -> None:
    """Write a creative's export as a zip into `out`: `data.json` and each portfolio
    original under `images/` (copied from storage in chunks, never whole in memory)."""
    data = creative_export(creative=creative, at=at)
    stored = dict(PortfolioImage.objects.filter(creative=creative)
                  .values_list("id", "image"))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2,
                                                 ensure_ascii=False))
        for row in data["portfolio"]:
            name = stored.get(row["id"])
            if not name or not default_storage.exists(name):
                continue  # a file lost from storage: the row still says what it was
            with default_storage.open(name, "rb") as source, \
                    archive.open(row["file"], "w") as target:
                for chunk in iter(lambda: source.read(1 << 16), b""):
                    target.write(chunk)
