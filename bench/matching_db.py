"""The database side of bench/matching.py, part 1: a round of N applicants × M spaces written
to a throwaway PostgreSQL database, and read back the way a round reads it.

`database_round(url, n, m, seed)` creates `bench_matching_<pid>` beside `url`, migrates it,
and writes (with bulk inserts, not timed) one city under a policy, 40 buildings with a chain
focus and current tenants in some stages, M spaces with stages and facilities in one
published call (a city-wide round's worth), and N creatives with a stage history, a positive
screening and one application each with wishes (area, rent, facilities, stage): every pair is
feasible, so the floor's matrix and ours are the same problem. It yields a `load()` function: what
the "optimal assignment" method computes from the database, `round_inputs` (every query and
the vectorised score) followed by `optimal_assignment`; and drops the database afterwards.

Imported by bench/matching.py only when `--database-url` is given.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 24)


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   capture_output=True)


@contextlib.contextmanager
def database_round(url: str, n: int, m: int, seed: int):
    parts = urlsplit(url)
    name = f"bench_matching_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    throwaway = urlunsplit(parts._replace(path=f"/{name}"))
    _psql(maintenance, f"CREATE DATABASE {name}")
    try:
        env = {**os.environ, "DATABASE_URL": throwaway}
        result = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
                                cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(result.stdout + result.stderr)
        os.environ["DATABASE_URL"] = throwaway
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broedplaats.settings")
        os.environ["DEBUG"] = "false"
        os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        calls = _write(n, m, random.Random(seed))
        yield _loader(calls)
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        _psql(maintenance, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _loader(calls):
    from broedplaats.matching import optimal_assignment
    from broedplaats.selectors.matching import round_inputs

    def load():
        inputs = round_inputs(calls=calls, on=TODAY, start=TODAY + timedelta(days=14))
        assignment = optimal_assignment(inputs.scores, inputs.feasible)
        return inputs.scores, inputs.feasible, assignment

    return load


def _write(n: int, m: int, rng: random.Random):
    from django.db import transaction

    from broedplaats.models import (
        Application,
        Building,
        Call,
        City,
        Facility,
        Policy,
        Screening,
        Space,
        Tenancy,
    )
    from chains.models import Chain, Creative, Discipline, Stage, StageMove

    with transaction.atomic():
        stages = list(Stage.objects.order_by("order"))
        facilities = list(Facility.objects.all())
        city = City.objects.create(name="Benchstad", slug="benchstad")
        policy = Policy.objects.create(city=city, valid_from=date(2020, 1, 1),
                                       income_limit=Decimal(38150), standard_term_months=24,
                                       max_renewals=2, screening_validity_months=24)
        chains = [Chain.objects.create(name=f"Keten {i}", name_en=f"Chain {i}",
                                       slug=f"bench-chain-{i}") for i in range(8)]
        disciplines = [Discipline.objects.create(chain=chain, name=f"{chain.name} maker",
                                                 slug=f"bench-discipline-{i}")
                       for i, chain in enumerate(chains)]
        buildings = Building.objects.bulk_create(
            Building(city=city, name=f"Gebouw {i}", slug=f"bench-building-{i}",
                     address=f"Werkstraat {i}", postcode="1012 AB", operator_name="Stichting",
                     operator_kind="foundation", cluster_type="mixed") for i in range(40))
        Building.chain_focus.through.objects.bulk_create(
            Building.chain_focus.through(building_id=b.pk, chain_id=chain.pk)
            for b in buildings for chain in rng.sample(chains, 2))
        kinds = ["studio", "studio", "workshop", "desk", "showroom", "office"]
        spaces = Space.objects.bulk_create(
            Space(building=buildings[j % len(buildings)], code=f"S{j:05d}",
                  kind=rng.choice(kinds), area_m2=Decimal(rng.randint(8, 120)),
                  monthly_rent=Decimal(rng.randint(80, 900))) for j in range(m))
        Space.stages.through.objects.bulk_create(
            Space.stages.through(space_id=s.pk, stage_id=stage.pk)
            for s in spaces for stage in rng.sample(stages, rng.randint(1, 2)))
        Space.facilities.through.objects.bulk_create(
            Space.facilities.through(space_id=s.pk, facility_id=f.pk)
            for s in spaces for f in rng.sample(facilities, rng.randint(0, 3)))
        calls = [Call.objects.create(building=buildings[0], title="Stadsbrede oproep",
                                     opens_on=TODAY - timedelta(days=60),
                                     closes_on=TODAY - timedelta(days=5),
                                     allocation_method="optimal",
                                     published_at=TODAY.isoformat() + "T12:00:00+01:00")]
        calls[0].spaces.set(spaces)
        creatives = Creative.objects.bulk_create(
            Creative(name=f"Maker {i}", discipline=rng.choice(disciplines)) for i in range(n))
        # Some current tenants in other (not offered) spaces: the "missing link" reads them.
        tenant_spaces = Space.objects.bulk_create(
            Space(building=b, code="T1", kind="studio", area_m2=Decimal(30),
                  monthly_rent=Decimal(200)) for b in buildings)
        Tenancy.objects.bulk_create(
            Tenancy(space=s, creative=creatives[k], start=date(2025, 1, 1),
                    planned_end=date(2027, 1, 1), monthly_rent=Decimal(200))
            for k, s in enumerate(tenant_spaces))
        StageMove.objects.bulk_create(
            StageMove(creative=c, to_stage=rng.choice(stages),
                      moved_on=date(2020, 1, 1) + timedelta(days=rng.randint(0, 1800)))
            for c in creatives)
        Screening.objects.bulk_create(
            Screening(creative=c, city=city, policy=policy, professional_practice=True,
                      income_within_limit=True, eligible=True,
                      decided_on=TODAY - timedelta(days=30),
                      valid_until=TODAY + timedelta(days=700)) for c in creatives)
        applications = []
        for c in creatives:
            low = rng.choice([None, 10, 20, 30])
            for call in calls:
                applications.append(Application(
                    creative=c, building=call.building, call=call, status="eligible",
                    submitted_at=f"{TODAY - timedelta(days=rng.randint(6, 50))}T10:00:00+01:00",
                    min_area_m2=Decimal(low) if low else None,
                    max_area_m2=Decimal(low * 3) if low else None,
                    max_rent=Decimal(rng.choice([300, 500, 800])) if rng.random() < .7 else None,
                    stage=rng.choice([None, *stages])))
        Application.objects.bulk_create(applications, batch_size=5000)
        Application.facilities.through.objects.bulk_create(
            (Application.facilities.through(application_id=a.pk, facility_id=f.pk)
             for a in applications if rng.random() < 0.3 for f in rng.sample(facilities, 1)),
            batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return calls
