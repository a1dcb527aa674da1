"""The database side of bench/matching.py, part 1: a round of N applicants × M spaces written
to a throwaway PostgreSQL database, and read back the way a round reads it.

`database_round(url, n, m, seed)` creates `bench_matching_<pid>` beside `url`, migrates it,
and writes (with bulk inserts, not timed) one city under a policy, 40 buildings with a chain
focus and current tenants in some (chain, stage) cells, M spaces with stages and facilities
in ten
published calls of M/10 spaces (a city-wide round over them), and N creatives with a stage
history, a positive screening and applications to 7 of the 10 calls (those in buildings with
their chain in focus first) with wishes (area, rent, facilities, stage): about 70 % of the
pairs are feasible, as in part 1's synthetic arrays.
It yields a `load()` function: what
the "optimal assignment" method computes from the database, `round_inputs` (every query and
the vectorised score) followed by `optimal_assignment`; and drops the database afterwards.

Imported by bench/matching.py only when `--database-url` is given.
"""

from __future__ import annotations

import contextlib
import math
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
    """The rows, drawn as part 1's synthetic arrays are (bench/matching.py,
    `inputs_from_arrays`): stages idea 30 % / making 50 % / distribution 18 %, uneven chains,
    two in three applicants with an area range and three in four with a rent ceiling, waits
    on the candidate list exponential around 400 days, spaces around 30 m² at €10–18 a m²,
    buildings with 1–3 chains in focus."""
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
            for b in buildings for chain in rng.sample(chains, rng.randint(1, 3)))
        kinds = ["studio", "studio", "workshop", "desk", "showroom", "office"]
        areas = [min(max(round(rng.lognormvariate(math.log(30), 0.6)), 8), 200)
                 for _ in range(m)]
        spaces = Space.objects.bulk_create(  # call i offers building i's spaces
            Space(building=buildings[j % 10], code=f"S{j:05d}", kind=rng.choice(kinds),
                  area_m2=Decimal(area), monthly_rent=Decimal(round(area * rng.uniform(10, 18))))
            for j, area in enumerate(areas))
        through = []
        for space in spaces:  # a fifth serve every stage, most one, some two adjacent ones
            kind, first = rng.choices([0, 1, 2], [0.2, 0.7, 0.1])[0], rng.randrange(3)
            served = [] if kind == 0 else stages[first:first + kind]
            through += [Space.stages.through(space_id=space.pk, stage_id=stage.pk)
                        for stage in served]
        Space.stages.through.objects.bulk_create(through)
        Space.facilities.through.objects.bulk_create(
            Space.facilities.through(space_id=s.pk, facility_id=f.pk)
            for s in spaces for f in facilities if rng.random() < 0.3)
        calls = [Call.objects.create(building=buildings[i], title=f"Oproep {i}",
                                     opens_on=TODAY - timedelta(days=60),
                                     closes_on=TODAY - timedelta(days=5),
                                     allocation_method="optimal",
                                     published_at=TODAY.isoformat() + "T12:00:00+01:00")
                 for i in range(10)]
        for i, call in enumerate(calls):
            call.spaces.set(spaces[i::10])
        shares = [0.22, 0.18, 0.14, 0.12, 0.10, 0.10, 0.08, 0.06]
        creatives = Creative.objects.bulk_create(
            Creative(name=f"Maker {i}", discipline=rng.choices(disciplines, shares)[0])
            for i in range(n))
        # Current tenants of 40 % of the (chain, stage) cells: the "missing link" reads them.
        cells = [(b, chain, stage) for b in buildings for chain in range(8) for stage in stages
                 if rng.random() < 0.4]
        tenants = Creative.objects.bulk_create(
            Creative(name=f"Huurder {k}", discipline=disciplines[chain])
            for k, (_b, chain, _stage) in enumerate(cells))
        homes = Space.objects.bulk_create(
            Space(building=b, code=f"T{k}", kind="studio", area_m2=Decimal(30),
                  monthly_rent=Decimal(300)) for k, (b, _chain, _stage) in enumerate(cells))
        Tenancy.objects.bulk_create(
            Tenancy(space=home, creative=tenant, start=date(2025, 1, 1),
                    planned_end=date(2027, 1, 1), monthly_rent=Decimal(300))
            for home, tenant in zip(homes, tenants, strict=True))
        StageMove.objects.bulk_create(
            StageMove(creative=tenant, to_stage=stage, moved_on=date(2024, 6, 1))
            for tenant, (_b, _chain, stage) in zip(tenants, cells, strict=True))
        StageMove.objects.bulk_create(
            StageMove(creative=c, to_stage=rng.choices(stages, [0.3, 0.5, 0.2])[0],
                      moved_on=date(2020, 1, 1) + timedelta(days=rng.randint(0, 1800)))
            for c in creatives)
        Screening.objects.bulk_create(
            Screening(creative=c, city=city, policy=policy, professional_practice=True,
                      income_within_limit=True, eligible=True,
                      decided_on=TODAY - timedelta(days=30),
                      valid_until=TODAY + timedelta(days=700)) for c in creatives)
        applications, listed = [], []
        for c in creatives:
            # On the city's candidate list since ~400 days (exponential): the waiting part.
            waited = min(int(rng.expovariate(1 / 400)), 3000)
            listed.append(Application(
                creative=c, building=buildings[-1], status="eligible",
                submitted_at=f"{TODAY - timedelta(days=waited)}T10:00:00+01:00"))
            ranged = rng.random() < 0.65
            low = rng.choice([10, 15, 20, 30, 40, 60])
            high = round(low * rng.choice([1.5, 2.0, 3.0]))
            rent = round(rng.lognormvariate(math.log(450), 0.4)) if rng.random() < .75 else None
            for call in rng.sample(calls, 7):
                applications.append(Application(
                    creative=c, building=call.building, call=call, status="eligible",
                    submitted_at=f"{TODAY - timedelta(days=rng.randint(6, 50))}T10:00:00+01:00",
                    min_area_m2=Decimal(low) if ranged else None,
                    max_area_m2=Decimal(high) if ranged else None,
                    max_rent=Decimal(rent) if rent else None))
        Application.objects.bulk_create(listed + applications, batch_size=5000)
        Application.facilities.through.objects.bulk_create(
            (Application.facilities.through(application_id=a.pk, facility_id=f.pk)
             for a in applications for f in facilities if rng.random() < 0.1),
            batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return calls
