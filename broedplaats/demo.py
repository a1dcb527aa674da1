"""The demo data set behind `manage.py seed_demo`: cities, policies, chains, buildings, spaces,
creatives with their stage histories and tenancies, and one login per role.

The data is built in *units*. One unit is the scale-1 demo: 12 buildings with 300 spaces and
600 creatives; `--scale N` builds N units (unit 0 is always Amsterdam and Rotterdam, further
units spread over more Dutch cities). Each unit is first planned in plain Python, then written
with `bulk_create`, so scale 1 and scale 100 run through the same code.

Stage histories are made of *project cycles*. A creative *product* travels idea → making →
distribution; a creative makes one product after another, so every project runs through the
stages and the next one starts at idea again (distribution → idea, or making → idea when a
project is dropped). How fast depends on the chain (`CADENCES`): fashion shows two collections a
year, a painter or a band finishes a body of work or a record in a year or so, a design
commission takes a year and a half, a film or a game two years or more, a theatre production a
few months. Every change of stage is a stage move, so a creative records about three moves per
project: about one a year in film, five or six in fashion. With careers starting from 2012 on
(and some of them ending) that gives about 17 moves a creative: about 10,000 per unit, a million
at `--scale 100`.

Above the projects runs the creative's *career phase*: where the practice as a whole stands
(starting out with research and experiments: idea; building up a body of work: making; selling,
touring, working for clients: distribution), and for some the move out to the market, the end of
the career in the demo. A change of phase is recorded as the first project move into the new
phase's stage after the change is due (or the move out to the market); it is flagged in the
timeline as a *career* move. Some creatives leave the sector instead (no move: the history
stops, the creative is archived); most are still active on `today`.

Planning a unit is a small event simulation over the years up to `today`, in date order:

* a space that becomes free is let to a waiting creative of the same city whose *career phase*
  the space serves and whose chain wants that kind of space for that phase; a tenancy runs for the
  policy's standard term, may be renewed back to back (at most the policy's renewals), or ends
  early;
* a *project* move is recorded (naming the building of the running tenancy, if any) and leaves
  the tenancy alone: a sculptor who exhibits a work keeps the studio, and the stages a space
  serves are a fit criterion at allocation, not a rule on every day of the tenancy;
* a *career* move the space does not serve ends the tenancy ("next stage in another building")
  and the creative joins the candidate list of the new phase; a move out to the market ends it
  as "outflow to the market", leaving the sector as "left the sector", on the same day.

Allocation, renewal and candidate lists use the career phase, not the stage of the current
project: a project changes stage every few months, far more often than anyone changes workspace,
so letting by project stage would evict a fashion designer twice a year and hand out studios for
a season. The career phase changes once every few years, as tenancies do.

So no space is let twice at once, no creative holds two spaces at once, every rent is under the
cap of the policy in force when the tenancy started (or carries an exception), and the stage
histories follow the rules of `chains.services.stage_move_record` (in date order, from the stage
the last move went to, never to the same stage, nothing after the market). Randomness comes only
from `random.Random` instances seeded from `seed` and the unit number; `today` is passed in.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from time import perf_counter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import reset_queries, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from broedplaats import notifications, roles
from broedplaats.models import (
    ApplicantNote,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Building,
    Call,
    City,
    ClusterType,
    EndReason,
    Facility,
    FacilityCode,
    Offer,
    OperatorKind,
    Policy,
    PolicyRentCap,
    Screening,
    Space,
    SpaceKind,
    Tenancy,
)
from broedplaats.services import add_months, allocation, policy_create
from chains.models import Chain, ChainStage, Creative, CreativeKind, Discipline, Stage, StageCode, StageMove

DEMO_PASSWORD = "demo-broedplaats"
DEFAULT_SEED = 2026
BATCH_SIZE = 5000
BUILDINGS_PER_UNIT = 12
SPACES_PER_UNIT = 300
CREATIVES_PER_UNIT = 600
# Careers in the demo start in 2012; buildings open from 2015, when every city has a policy.
HISTORY_START = date(2012, 1, 1)
FIRST_OPENING = date(2015, 1, 1)
EARLIEST_TODAY = date(2016, 1, 1)
NOON = time(12)

IDEA, MAKING, DISTRIBUTION = StageCode.IDEA.value, StageCode.MAKING.value, StageCode.DISTRIBUTION.value
MARKET = "market"  # a timeline target: out to the market
STAGE_ORDER = {IDEA: 1, MAKING: 2, DISTRIBUTION: 3}

K = SpaceKind
STUDIO, LIVE_WORK, WORKSHOP, DESK = K.STUDIO.value, K.LIVE_WORK.value, K.WORKSHOP.value, K.DESK.value
OFFICE, SHOWROOM, SHARED = K.OFFICE.value, K.SHOWROOM.value, K.SHARED_WORKSHOP.value


@dataclass(frozen=True)
class DemoUser:
    """One demo login: its role, username, group and what it is linked to."""

    role: str
    username: str
    group: str | None
    note: str


DEMO_USERS = (
    DemoUser("creative", "demo-creative", roles.CREATIVE,
             "a creative with a studio and a stage history"),
    DemoUser("programmer", "demo-programmer", roles.PROGRAMMER,
             "programmer of three Amsterdam buildings"),
    DemoUser("city bureau", "demo-bureau", roles.CITY_BUREAU, "Amsterdam's city bureau"),
    DemoUser("admin", "admin", None, "superuser, the Django admin at /admin/"),
)
# --flush deletes these; a superuser called "admin" may be a developer's own, so it stays.
FLUSHED_USERNAMES = tuple(user.username for user in DEMO_USERS if user.group)


# --- reference data: chains and disciplines -------------------------------------------------

@dataclass(frozen=True)
class ChainSpec:
    slug: str
    name: str
    name_en: str
    description: str
    stages: dict[str, str]
    disciplines: tuple[tuple[str, str, str], ...]  # slug, Dutch name, English name
    wants: dict[str, tuple[str, ...]]  # stage -> kinds of space a creative of the chain looks for
    weight: int  # share of the creatives


CHAINS = (
    ChainSpec(
        "fashion", "Mode", "Fashion",
        "Van ontwerp en patroon tot een collectie in de winkel.",
        {IDEA: "Onderzoek, moodboards, schetsen en materiaalproeven voor een nieuwe collectie.",
         MAKING: "Patronen, toiles en samples; een kleine serie in het atelier of de gedeelde "
                 "naaiwerkplaats.",
         DISTRIBUTION: "Showroom, pop-up en webwinkel; verkoop aan boetieks en presentaties "
                       "tijdens modeweken."},
        (("fashion-designer", "Modeontwerper", "Fashion designer"),
         ("pattern-maker", "Patroontekenaar", "Pattern maker"),
         ("textile-designer", "Textielontwerper", "Textile designer"),
         ("accessory-designer", "Accessoireontwerper", "Accessory designer")),
        {IDEA: (STUDIO, DESK), MAKING: (STUDIO, WORKSHOP, SHARED),
         DISTRIBUTION: (SHOWROOM, OFFICE, STUDIO)},
        10,
    ),
    ChainSpec(
        "architecture-design", "Architectuur & vormgeving", "Architecture & design",
        "Van concept en schets tot gebouwd werk en een product in serie.",
        {IDEA: "Concepten, prijsvragen, schetsontwerpen en maquettes op kleine schaal.",
         MAKING: "Uitwerken, prototypes bouwen en testen in de werkplaats; een nulserie.",
         DISTRIBUTION: "Opdrachtgevers, producenten en beurzen: het ontwerp wordt gebouwd of gaat "
                       "in productie."},
        (("architect", "Architect", "Architect"),
         ("furniture-designer", "Meubelontwerper", "Furniture designer"),
         ("graphic-designer", "Grafisch ontwerper", "Graphic designer"),
         ("product-designer", "Productontwerper", "Product designer"),
         ("interior-architect", "Interieurarchitect", "Interior architect")),
        {IDEA: (DESK, STUDIO, OFFICE), MAKING: (OFFICE, STUDIO, WORKSHOP),
         DISTRIBUTION: (OFFICE, SHOWROOM)},
        12,
    ),
    ChainSpec(
        "visual-arts", "Beeldende kunst", "Visual arts",
        "Van een idee in het atelier tot werk in galerie en museum.",
        {IDEA: "Onderzoek, schetsen en experiment in het atelier; een werkperiode of residency.",
         MAKING: "Werk maken en afronden: schilderen, beeldhouwen, drukken, afdrukken; soms in een "
                 "gedeelde werkplaats.",
         DISTRIBUTION: "Tentoonstellingen, galeries, open ateliers, opdrachten en verkoop aan "
                       "collecties."},
        (("sculptor", "Beeldhouwer", "Sculptor"),
         ("painter", "Schilder", "Painter"),
         ("photographer", "Fotograaf", "Photographer"),
         ("illustrator", "Illustrator", "Illustrator"),
         ("installation-artist", "Installatiekunstenaar", "Installation artist")),
        {IDEA: (STUDIO, LIVE_WORK), MAKING: (STUDIO, LIVE_WORK, WORKSHOP, SHARED),
         DISTRIBUTION: (STUDIO, SHOWROOM, LIVE_WORK)},
        24,
    ),
    ChainSpec(
        "music", "Muziek", "Music",
        "Van compositie en repetitie tot opname, release en podium.",
        {IDEA: "Componeren, schrijven en repeteren in een geluiddichte studio.",
         MAKING: "Opnemen, produceren en mixen: een ep of album in de maak.",
         DISTRIBUTION: "Releases, boekingen en tournees; label- en publishingwerk vanuit een "
                       "kantoor."},
        (("composer", "Componist", "Composer"),
         ("music-producer", "Muziekproducent", "Music producer"),
         ("musician", "Muzikant", "Musician"),
         ("sound-engineer", "Geluidstechnicus", "Sound engineer"),
         ("instrument-maker", "Instrumentbouwer", "Instrument maker")),
        {IDEA: (STUDIO,), MAKING: (STUDIO,), DISTRIBUTION: (OFFICE, STUDIO)},
        11,
    ),
    ChainSpec(
        "film-media", "Film & media", "Film & media",
        "Van scenario tot vertoning en distributie.",
        {IDEA: "Ontwikkeling: scenario, research, pitch en financiering.",
         MAKING: "Productie en postproductie: draaien, monteren, kleurcorrectie en geluid.",
         DISTRIBUTION: "Festivals, omroepen en streaming: verkoop en vertoning."},
        (("filmmaker", "Filmmaker", "Filmmaker"),
         ("animator", "Animator", "Animator"),
         ("film-editor", "Editor", "Film editor"),
         ("documentary-maker", "Documentairemaker", "Documentary maker")),
        {IDEA: (DESK, OFFICE), MAKING: (OFFICE, STUDIO), DISTRIBUTION: (OFFICE,)},
        10,
    ),
    ChainSpec(
        "games-digital", "Games & digitaal", "Games & digital",
        "Van prototype tot een uitgebrachte game of digitale dienst.",
        {IDEA: "Game jams, concept en prototype: een eerste speelbare versie aan een flexplek.",
         MAKING: "Productie met een klein team: ontwikkelen, testen, bijsturen.",
         DISTRIBUTION: "Release, publisher en community; live-beheer en nieuwe opdrachten."},
        (("game-developer", "Gameontwikkelaar", "Game developer"),
         ("interaction-designer", "Interactieontwerper", "Interaction designer"),
         ("creative-coder", "Creatief programmeur", "Creative coder"),
         ("3d-artist", "3D-artiest", "3D artist")),
        {IDEA: (DESK,), MAKING: (DESK, OFFICE), DISTRIBUTION: (OFFICE,)},
        10,
    ),
    ChainSpec(
        "crafts-food", "Ambacht & food", "Crafts & food",
        "Van proefstuk tot een product in winkel en restaurant.",
        {IDEA: "Proefstukken, recepturen en materiaalonderzoek aan de werkbank.",
         MAKING: "Vakwerk in kleine series: draaien, stoken, smeden, bakken; vaak met oven, "
                 "afzuiging en krachtstroom.",
         DISTRIBUTION: "Winkel, markt, horeca en webshop: het product vindt vaste afnemers."},
        (("ceramist", "Keramist", "Ceramist"),
         ("goldsmith", "Edelsmid", "Goldsmith"),
         ("woodworker", "Houtbewerker", "Woodworker"),
         ("glassblower", "Glasblazer", "Glassblower"),
         ("food-designer", "Foodontwerper", "Food designer")),
        {IDEA: (STUDIO, SHARED), MAKING: (WORKSHOP, SHARED), DISTRIBUTION: (SHOWROOM, WORKSHOP)},
        13,
    ),
    ChainSpec(
        "performing-arts", "Podiumkunsten", "Performing arts",
        "Van repetitie tot voorstelling, op het podium en op tournee.",
        {IDEA: "Research, improvisatie en eerste try-outs in een studio.",
         MAKING: "Repetities, decor- en kostuumbouw: een voorstelling komt tot stand.",
         DISTRIBUTION: "Première, tournee en festivals; programmering via theaters en "
                       "gezelschappen."},
        (("dancer-choreographer", "Danser en choreograaf", "Dancer and choreographer"),
         ("theatre-maker", "Theatermaker", "Theatre maker"),
         ("set-designer", "Decorontwerper", "Set designer"),
         ("circus-artist", "Circusartiest", "Circus artist")),
        {IDEA: (STUDIO, LIVE_WORK), MAKING: (STUDIO, SHARED), DISTRIBUTION: (OFFICE, STUDIO)},
        10,
    ),
)


# --- reference data: cities and their dated policies ----------------------------------------

@dataclass(frozen=True)
class District:
    name: str
    latitude: float
    longitude: float
    postcodes: tuple[int, int]  # the four-digit range of the area
    streets: tuple[str, ...]


@dataclass(frozen=True)
class PolicySpec:
    valid_from: date
    valid_to: date | None
    income_limit: Decimal
    standard_term_months: int
    max_renewals: int
    screening_validity_months: int
    required_screened_share: Decimal
    caps: dict[str, Decimal]
    source: str


@dataclass(frozen=True)
class CitySpec:
    name: str
    slug: str
    districts: tuple[District, ...]
    policies: tuple[PolicySpec, ...]  # oldest first
    weight: int  # share of the buildings in units after the first


def _caps(studio, live_work, workshop, desk, office, showroom, shared) -> dict[str, Decimal]:
    """Rent caps in € per m² per year for every kind of space."""
    values = (studio, live_work, workshop, desk, office, showroom, shared)
    kinds = (STUDIO, LIVE_WORK, WORKSHOP, DESK, OFFICE, SHOWROOM, SHARED)
    return {kind: Decimal(value) for kind, value in zip(kinds, values, strict=True)}


_DEMO_FIGURES = "Demo figures, not a published policy."
# Amsterdam: €38,150 income limit at 2013 level, indexed by CPI (CBS, approximate); studio
# cap €90/m²/yr = about €300 a month for a 40 m² studio; the other caps are demo figures.
# Terms: 24 months for every kind (the model has one term per policy; the 5-year term of
# live/work studios cannot be expressed per kind), four renewals (ten years in all).
AMSTERDAM_POLICIES = (
    PolicySpec(date(2013, 1, 1), date(2020, 12, 31), Decimal("38150.00"), 24, 4, 12,
               Decimal("100"), _caps("80", "95", "70", "200", "100", "110", "55"),
               "Income limit €38,150 (2013 level; NV Zeedijk, Reglement CAWA). Rent caps other "
               "than studios are demo figures."),
    PolicySpec(date(2021, 1, 1), date(2022, 12, 31), Decimal("42690.00"), 24, 4, 12,
               Decimal("100"), _caps("84", "100", "74", "215", "105", "115", "58"),
               "Reglement CAWA 2021; income limit €38,150 (2013) indexed by CPI to 2021 "
               "(approximate). Rent caps other than studios are demo figures."),
    PolicySpec(date(2023, 1, 1), None, Decimal("48690.00"), 24, 4, 12,
               Decimal("100"), _caps("90", "110", "80", "240", "115", "125", "62"),
               "Broedplaatsbeleid 2023–2026, in force until replaced: studio at most about €300 "
               "a month (€90/m²/yr for 40 m²); 10-year rule for live/work dropped (their 5-year "
               "term is not held per kind here). Income limit CPI-indexed to 2023 (approx.)."),
)
# Rotterdam: the SKAR rent norm €64.29 per m² per year for 2024/25 (service charges on top).
ROTTERDAM_POLICIES = (
    PolicySpec(date(2015, 1, 1), date(2024, 6, 30), Decimal("40000.00"), 36, 2, 24,
               Decimal("80"), _caps("56.50", "72", "56.50", "170", "85", "90", "48"),
               "SKAR rent norm before 2024/25 (indexed back, approximate). " + _DEMO_FIGURES),
    PolicySpec(date(2024, 7, 1), None, Decimal("44500.00"), 36, 3, 24,
               Decimal("80"), _caps("64.29", "80", "64.29", "190", "95", "100", "54"),
               "SKAR rent norm €64.29/m²/yr for 2024/25, indexed yearly, service charges on top. "
               "Income limit and caps other than studios and workshops are demo figures."),
)


def _demo_policy(studio: str) -> tuple[PolicySpec, ...]:
    base = Decimal(studio)
    return (PolicySpec(date(2015, 1, 1), None, Decimal("42000.00"), 24, 3, 12, Decimal("90"),
                       _caps(base, base * Decimal("1.2"), base * Decimal("0.9"), base * Decimal("2.6"),
                             base * Decimal("1.25"), base * Decimal("1.35"), base * Decimal("0.7")),
                       _DEMO_FIGURES),)


CITIES = (
    CitySpec("Amsterdam", "amsterdam", (
        District("Buiksloterham", 52.3975, 4.9080, (1031, 1031),
                 ("Papaverweg", "Distelweg", "Johan van Hasseltweg", "Asterweg")),
        District("NDSM-werf", 52.4005, 4.8925, (1033, 1033),
                 ("TT. Neveritaweg", "Kraanspoor", "Ms. van Riemsdijkweg")),
        District("Spaarndammerbuurt", 52.3915, 4.8745, (1013, 1013),
                 ("Zaanstraat", "Oostzaanstraat", "Spaarndammerdijk")),
        District("Oostelijk Havengebied", 52.3735, 4.9375, (1019, 1019),
                 ("Cruquiusweg", "Veemkade", "Zeeburgerkade")),
        District("Watergraafsmeer", 52.3530, 4.9370, (1097, 1098),
                 ("Kruislaan", "Middenweg", "Hugo de Vrieslaan")),
        District("Slotervaart", 52.3570, 4.8260, (1065, 1066),
                 ("Johan Huizingalaan", "Pieter Calandlaan", "Plesmanlaan")),
        District("Bijlmer", 52.3155, 4.9520, (1102, 1103),
                 ("Bijlmerdreef", "Hoogoord", "Karspeldreef")),
        District("Bos en Lommer", 52.3800, 4.8480, (1055, 1056),
                 ("Bos en Lommerweg", "Erasmusgracht", "Leeuwendalersweg")),
    ), AMSTERDAM_POLICIES, 30),
    CitySpec("Rotterdam", "rotterdam", (
        District("Merwe-Vierhavens", 51.9060, 4.4310, (3029, 3029),
                 ("Vierhavensstraat", "Keileweg", "Galvanistraat")),
        District("Spangen", 51.9150, 4.4430, (3025, 3026),
                 ("Mathenesserweg", "Schiedamseweg", "Bilderdijkstraat")),
        District("Rotterdam-Noord", 51.9330, 4.4740, (3035, 3037),
                 ("Zaagmolenkade", "Bergweg", "Noordsingel")),
        District("Katendrecht", 51.8990, 4.4860, (3072, 3072),
                 ("Rechthuislaan", "Veerlaan", "Deliplein")),
        District("Kralingen", 51.9250, 4.5070, (3061, 3063),
                 ("Oostzeedijk", "Avenue Concordia", "Waterloostraat")),
        District("Charlois", 51.8820, 4.4750, (3082, 3084),
                 ("Wolphaertsbocht", "Boergoensevliet", "Dorpsweg")),
    ), ROTTERDAM_POLICIES, 20),
    CitySpec("Utrecht", "utrecht", (
        District("Lombok", 52.0925, 5.1020, (3531, 3532), ("Kanaalstraat", "Damstraat")),
        District("Werkspoorkwartier", 52.1130, 5.0880, (3542, 3542),
                 ("Cartesiusweg", "Hogeweidebrug")),
        District("Zuilen", 52.1100, 5.0950, (3551, 3554),
                 ("Amsterdamsestraatweg", "Prins Bernhardstraat")),
    ), _demo_policy("75"), 15),
    CitySpec("Den Haag", "den-haag", (
        District("Binckhorst", 52.0730, 4.3370, (2516, 2516), ("Binckhorstlaan", "Saturnusstraat")),
        District("Laakhaven", 52.0640, 4.3150, (2521, 2521), ("Waldorpstraat", "Calandkade")),
        District("Scheveningen Haven", 52.1010, 4.2690, (2583, 2583), ("Dr. Lelykade", "Visafslagweg")),
    ), _demo_policy("72"), 15),
    CitySpec("Eindhoven", "eindhoven", (
        District("Strijp-S", 51.4480, 5.4560, (5617, 5617), ("Torenallee", "Ketelhuisplein")),
        District("Sectie-C", 51.4560, 5.4970, (5641, 5641), ("Daalakkersweg", "Kanaaldijk-Zuid")),
    ), _demo_policy("65"), 10),
    CitySpec("Groningen", "groningen", (
        District("Ebbingekwartier", 53.2245, 6.5700, (9712, 9712), ("Boterdiep", "Ebbingestraat")),
        District("Oosterpoort", 53.2110, 6.5760, (9724, 9726), ("Trompsingel", "Meeuwerderweg")),
    ), _demo_policy("60"), 10),
)
SCALE_ONE_CITIES = ("amsterdam", "rotterdam")


# --- buildings: archetypes, names, operators ------------------------------------------------

OK_, CT = OperatorKind, ClusterType
# (city of unit 0, operator kind, cluster type, spaces in unit 0)
ARCHETYPES = (
    ("amsterdam", OK_.FOUNDATION, CT.ARTISTS_ZONE, 40),
    ("amsterdam", OK_.MUNICIPAL, CT.SPECIALIST, 18),
    ("amsterdam", OK_.PRIVATE_DEVELOPER, CT.INCUBATOR, 22),
    ("amsterdam", OK_.TENANT_COOPERATIVE, CT.MIXED, 30),
    ("amsterdam", OK_.FOUNDATION, CT.MEDIA_PRODUCTION, 25),
    ("amsterdam", OK_.FOUNDATION, CT.MIXED, 28),
    ("amsterdam", OK_.MUNICIPAL, CT.ARTISTS_ZONE, 35),
    ("amsterdam", OK_.PRIVATE_DEVELOPER, CT.MIXED, 20),
    ("rotterdam", OK_.FOUNDATION, CT.ARTISTS_ZONE, 32),
    ("rotterdam", OK_.TENANT_COOPERATIVE, CT.SPECIALIST, 15),
    ("rotterdam", OK_.MUNICIPAL, CT.INCUBATOR, 20),
    ("rotterdam", OK_.PRIVATE_DEVELOPER, CT.MEDIA_PRODUCTION, 15),
)
PROGRAMMER_ARCHETYPES = (0, 3, 4)  # the demo programmer runs these Amsterdam buildings of unit 0

FORMER_USES = (  # building name, what it was (with the adjective in the right gender)
    ("De Gieterij", "voormalige ijzergieterij"), ("Het Pakhuis", "voormalig pakhuis"),
    ("De Drukkerij", "voormalige drukkerij"), ("De Machinefabriek", "voormalige machinefabriek"),
    ("Het Badhuis", "voormalig badhuis"), ("De Melkfabriek", "voormalige melkfabriek"),
    ("Het Schoolgebouw", "voormalige school"), ("De Loods", "voormalige havenloods"),
    ("De Kabelfabriek", "voormalige kabelfabriek"), ("Het Veem", "voormalig veempakhuis"),
    ("De Zeepfabriek", "voormalige zeepfabriek"), ("De Timmerwerf", "voormalige timmerwerf"),
    ("Het Gemaal", "voormalig gemaal"), ("De Scheepswerf", "voormalige scheepswerf"),
    ("Het Postkantoor", "voormalig postkantoor"), ("De Broodfabriek", "voormalige broodfabriek"),
    ("Het Ketelhuis", "voormalig ketelhuis"), ("De Remise", "voormalige tramremise"),
    ("Het Laboratorium", "voormalig laboratorium"), ("De Wasserij", "voormalige wasserij"),
    ("Het Politiebureau", "voormalig politiebureau"), ("De Kazerne", "voormalige brandweerkazerne"),
    ("De Tabaksfabriek", "voormalige tabaksfabriek"), ("Het Kantorenblok", "voormalig kantoorgebouw"),
)
CLUSTER_SENTENCES = {
    CT.SPECIALIST: "Een gespecialiseerde werkplaats voor één keten, met krachtstroom en een laaddeur.",
    CT.ARTISTS_ZONE: "Ateliers en woon-werkateliers voor kunstenaars, met open ateliers in het voorjaar.",
    CT.MIXED: "Een gemengde broedplaats: ateliers, werkplaatsen, kantoren en een showroom aan de straat.",
    CT.MEDIA_PRODUCTION: "Studio's en montageruimtes voor film, geluid en digitale media.",
    CT.INCUBATOR: "Flexplekken en kleine kantoren voor startende creatieve ondernemers, met coaching.",
}
CLUSTER_KINDS = {  # kind of space -> weight, per cluster type
    CT.ARTISTS_ZONE: {STUDIO: 60, LIVE_WORK: 20, WORKSHOP: 10, SHARED: 4, SHOWROOM: 6},
    CT.SPECIALIST: {WORKSHOP: 50, SHARED: 12, STUDIO: 28, SHOWROOM: 10},
    CT.INCUBATOR: {DESK: 40, OFFICE: 35, STUDIO: 12, SHOWROOM: 13},
    CT.MEDIA_PRODUCTION: {STUDIO: 40, OFFICE: 35, DESK: 25},
    CT.MIXED: {STUDIO: 40, WORKSHOP: 15, OFFICE: 15, DESK: 10, SHOWROOM: 8, LIVE_WORK: 7, SHARED: 5},
}
CLUSTER_FOCUS = {  # (chains always in focus, chains to draw from, how many to draw)
    CT.SPECIALIST: ((), ("crafts-food", "fashion", "visual-arts", "architecture-design"), 1),
    CT.ARTISTS_ZONE: (("visual-arts",), ("performing-arts", "crafts-food", "music"), 1),
    CT.MIXED: ((), tuple(chain.slug for chain in CHAINS), 3),
    CT.MEDIA_PRODUCTION: (("film-media",), ("music", "games-digital"), 1),
    CT.INCUBATOR: ((), ("games-digital", "architecture-design", "fashion", "film-media"), 2),
}

# Space kinds: area (low, high, mode) in m², the stages served (weighted) and facilities.
AREAS = {STUDIO: (18, 65, 35), LIVE_WORK: (40, 95, 60), WORKSHOP: (35, 160, 70), DESK: (6, 14, 9),
         OFFICE: (14, 60, 28), SHOWROOM: (25, 130, 55), SHARED: (80, 260, 140)}
STAGES_SERVED = {
    STUDIO: (((IDEA, MAKING), 60), ((MAKING,), 20), ((IDEA, MAKING, DISTRIBUTION), 20)),
    LIVE_WORK: (((IDEA, MAKING), 80), ((MAKING, DISTRIBUTION), 20)),
    WORKSHOP: (((MAKING,), 80), ((MAKING, DISTRIBUTION), 20)),
    SHARED: (((IDEA, MAKING), 50), ((MAKING,), 50)),
    DESK: (((IDEA,), 50), ((IDEA, MAKING), 50)),
    OFFICE: (((MAKING, DISTRIBUTION), 60), ((DISTRIBUTION,), 25), ((IDEA, MAKING), 15)),
    SHOWROOM: (((DISTRIBUTION,), 100),),
}
F = FacilityCode
FACILITIES = {  # kind -> (facility, chance)
    STUDIO: ((F.DAYLIGHT, 0.9), (F.WATER, 0.6), (F.GROUND_FLOOR, 0.15)),
    LIVE_WORK: ((F.DAYLIGHT, 1.0), (F.WATER, 1.0), (F.GROUND_FLOOR, 0.1)),
    WORKSHOP: ((F.HEAVY_POWER, 0.9), (F.LOADING_ACCESS, 0.8), (F.GROUND_FLOOR, 0.7), (F.WATER, 0.7),
               (F.DUST_EXTRACTION, 0.5)),
    DESK: ((F.DAYLIGHT, 0.7),),
    OFFICE: ((F.DAYLIGHT, 0.85), (F.WATER, 0.2)),
    SHOWROOM: ((F.GROUND_FLOOR, 1.0), (F.SHOP_WINDOW, 0.85), (F.DAYLIGHT, 0.7)),
    SHARED: ((F.HEAVY_POWER, 1.0), (F.DUST_EXTRACTION, 0.8), (F.LOADING_ACCESS, 0.8),
             (F.GROUND_FLOOR, 0.8), (F.WATER, 0.9), (F.KILN, 0.35), (F.DARKROOM, 0.15)),
}
EXCEPTION_REASONS = {
    SHOWROOM: "Winkelpand aan een drukke straat; de gemeente stemde in met een huur boven het "
              "plafond (besluit programmeur).",
    WORKSHOP: "De huur omvat onderhoud van de ovens en afzuiging; uitzondering vastgelegd door de "
              "programmeur.",
    SHARED: "De huur omvat het gebruik en onderhoud van de machines; uitzondering vastgelegd door de "
            "programmeur.",
}
EXCEPTIONS_PER_UNIT = 4

# --- creatives ------------------------------------------------------------------------------

FIRST_NAMES = (
    "Sanne", "Daan", "Lotte", "Bram", "Fleur", "Jesse", "Noor", "Thijs", "Eva", "Ruben", "Anouk",
    "Milan", "Femke", "Sem", "Iris", "Joris", "Lieke", "Wouter", "Merel", "Tim", "Roos", "Lars",
    "Yara", "Mohamed", "Fatima", "Ayoub", "Amira", "Kofi", "Priya", "Mei", "Luca", "Sofia",
    "Mateo", "Elif", "Emre", "Nadia", "Youssef", "Samira", "Jan", "Pieter", "Marieke", "Anna",
    "Julia", "Hugo", "Finn", "Zoë", "Olga", "Tomasz", "Ines", "Rafael", "Aisha", "Kwame", "Linh",
    "Hanna", "Maarten", "Esther", "Sven", "Floor", "Gijs", "Nina", "Bas", "Charlotte", "Rik",
    "Vera", "Jelle", "Mila", "Stijn", "Lina", "Koen", "Isa",
)
LAST_NAMES = (
    "de Vries", "van Dijk", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs",
    "de Haan", "Vermeulen", "van den Berg", "van der Heijden", "El Amrani", "Yilmaz", "Kaya",
    "Bouzid", "Mensah", "Nguyen", "Rossi", "García", "Kowalski", "Santos", "Öztürk", "Tahiri",
    "Boateng", "Schouten", "Koster", "Prins", "Huisman", "Postma", "Kuipers", "Veenstra",
)
NAME_PARTS = ("Noord", "Kade", "Werf", "Loods", "Molen", "Kiem", "Vonk", "Lijn", "Vorm", "Klank",
              "Beeld", "Draad", "Klei", "Zout", "Ruis", "Spoor", "Gloed", "Nacht", "Vlas", "Rook")
NAME_ENDS = ("werk", "lab", "studio", "makers", "fabriek", "atelier", "kamer", "plaats")
CREATIVE_KINDS = ((CreativeKind.PERSON, 70), (CreativeKind.DUO, 12), (CreativeKind.COLLECTIVE, 8),
                  (CreativeKind.COMPANY, 10))
KVK_SHARE = {CreativeKind.PERSON: 0.85, CreativeKind.DUO: 0.9, CreativeKind.COLLECTIVE: 0.7,
             CreativeKind.COMPANY: 1.0}
BIO_TEMPLATES = (
    "{discipline} in {city}. Werkt aan eigen projecten en in opdracht.",
    "{discipline} met een eigen praktijk; afgestudeerd in {year}.",
    "{discipline}, werkt sinds {year} in {city}, vaak samen met andere makers.",
    "{discipline}. Zoekt ruimte om te experimenteren en te laten zien wat er gemaakt wordt.",
)


# --- the plan of one unit (plain Python, no database) ----------------------------------------

@dataclass(eq=False, slots=True)
class _Building:
    archetype: int
    city: CitySpec
    district: District
    name: str
    slug: str
    address: str
    postcode: str
    latitude: Decimal
    longitude: Decimal
    operator_name: str
    operator_kind: str
    cluster_type: str
    chains: tuple[str, ...]
    opened: int  # day ordinal when the first spaces can be let
    temporary_until: date | None
    description: str
    pk: int | None = None


@dataclass(eq=False, slots=True)
class _Space:
    building: _Building
    code: str
    kind: str
    area: Decimal
    rent_factor: Decimal  # the rent as a share of the cap in force (above 1 with an exception)
    monthly_rent: Decimal
    exception: str
    facilities: tuple[str, ...]
    stages: tuple[str, ...]
    term_months: int | None  # a shorter term than the policy's (flexible desks), if any
    tenancy: _Tenancy | None = None
    pk: int | None = None


@dataclass(eq=False, slots=True)
class _Creative:
    city: CitySpec
    chain: ChainSpec
    discipline: int  # index into the global discipline list
    kind: str
    name: str
    kvk: str
    email: str
    phone: str
    website: str
    bio: str
    seeks: bool  # looks for space in a broedplaats
    # (day ordinal, stage code or MARKET, whether it is a career move), entry first
    timeline: list[tuple[int, str, bool]]
    leaves: int | None  # the day the creative leaves the sector, if they do
    career_days: tuple[int, ...]  # days of the career moves after entry and of leaving, in order
    stage: str | None = None  # the stage of the current project (the last move's)
    phase: str | None = None  # the career phase: what space the creative looks for
    active: bool = True
    archived: bool = False
    next_move: int = 0
    next_career: int = 0  # index into career_days
    tenancy: _Tenancy | None = None
    pool: tuple | None = None  # the candidate list (city slug, stage) the creative waits on
    pk: int | None = None


@dataclass(eq=False, slots=True)
class _Tenancy:
    space: _Space
    creative: _Creative
    start: int
    planned_end: int
    monthly_rent: Decimal
    exception: str
    renewals: int
    actual_end: int | None = None
    end_reason: str = ""
    over: bool = False  # ended early or ran its term (then actual_end stays empty)


@dataclass(slots=True)
class _Unit:
    index: int
    buildings: list[_Building]
    spaces: list[_Space]
    creatives: list[_Creative]
    tenancies: list[_Tenancy] = field(default_factory=list)
    # (creative, day ordinal, from stage, to stage, to market, building)
    moves: list[tuple] = field(default_factory=list)


def _policy_spec(city: CitySpec, day: int) -> PolicySpec:
    """The city's policy in force on a day; before the first one its first, after a gap the
    latest that started (the demo's policies leave no gaps)."""
    chosen = city.policies[0]
    for spec in city.policies:
        if spec.valid_from.toordinal() <= day:
            chosen = spec
    return chosen


def _rent(area: Decimal, cap: Decimal, factor: Decimal) -> Decimal:
    """A monthly rent of `factor` times the cap, rounded down to whole €5 (never over the cap
    when the factor is at most 1)."""
    exact = area * cap * factor / 12
    return (exact / 5).to_integral_value(rounding=ROUND_FLOOR) * 5


def _weighted(rng: random.Random, pairs) -> object:
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights)[0]


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split over the keys by weight (largest remainder), every key at least 1 if it fits."""
    keys = list(weights)
    whole = sum(weights.values())
    counts = {key: max(1, total * weights[key] // whole) if total >= len(keys) else 0 for key in keys}
    while sum(counts.values()) > total:
        largest = max(keys, key=lambda key: counts[key])
        counts[largest] -= 1
    remainders = sorted(keys, key=lambda key: -(total * weights[key] / whole - counts[key]))
    for key in itertools.islice(itertools.cycle(remainders), total - sum(counts.values())):
        counts[key] += 1
    return counts


def _postcode(rng: random.Random, district: District) -> str:
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    pair = "SS"
    while pair in {"SA", "SD", "SS"}:  # letter pairs PostNL does not use
        pair = rng.choice(letters) + rng.choice(letters)
    return f"{rng.randint(*district.postcodes)} {pair}"


def _plan_buildings(rng: random.Random, unit: int, cities: dict[str, CitySpec],
                    today: int) -> list[_Building]:
    names = rng.sample(FORMER_USES, BUILDINGS_PER_UNIT)
    weighted_cities = [(city, city.weight) for city in cities.values()]
    buildings = []
    for archetype, (city_slug, operator_kind, cluster, _size) in enumerate(ARCHETYPES):
        city = cities[city_slug] if unit == 0 else _weighted(rng, weighted_cities)
        district = rng.choice(city.districts)
        prefix, former = names[archetype]
        name = f"{prefix} {district.name}"
        slug = slugify(name) + (f"-{unit}" if unit else "")
        always, pool, draw = CLUSTER_FOCUS[cluster]
        chains = always + tuple(rng.sample([chain for chain in pool if chain not in always], draw))
        span = max(1, min(today, date(2022, 12, 31).toordinal()) - FIRST_OPENING.toordinal())
        opened = FIRST_OPENING.toordinal() + int(rng.triangular(0, span, 0))
        temporary_until = None
        if rng.random() < 0.25:
            years = rng.randint(8, 15)
            earliest = date.fromordinal(today) + timedelta(days=rng.randint(180, 1800))
            temporary_until = max(add_months(date.fromordinal(opened), 12 * years), earliest)
        operator_name = {
            OK_.MUNICIPAL: f"Gemeente {city.name}, Vastgoed",
            OK_.FOUNDATION: rng.choice((f"Stichting Atelierbeheer {city.name}",
                                        f"Stichting Broedplaats {district.name}",
                                        f"Stichting Werkruimte {city.name}")),
            OK_.PRIVATE_DEVELOPER: rng.choice((f"{district.name} Ontwikkeling B.V.",
                                               "Stadsfabriek Projecten B.V.",
                                               "Havenkwartier Vastgoed B.V.")),
            OK_.TENANT_COOPERATIVE: f"Huurderscoöperatie {prefix.split(' ', 1)[1]} U.A.",
        }[operator_kind]
        temporary = (f" Tijdelijk in gebruik tot {temporary_until.year}." if temporary_until else "")
        description = (f"{former.capitalize()} in {district.name}, sinds "
                       f"{date.fromordinal(opened).year} broedplaats. "
                       f"{CLUSTER_SENTENCES[cluster]}{temporary}")
        buildings.append(_Building(
            archetype=archetype, city=city, district=district, name=name, slug=slug,
            address=f"{rng.choice(district.streets)} {rng.randint(1, 180)}",
            postcode=_postcode(rng, district),
            latitude=Decimal(f"{district.latitude + rng.uniform(-0.006, 0.006):.6f}"),
            longitude=Decimal(f"{district.longitude + rng.uniform(-0.009, 0.009):.6f}"),
            operator_name=operator_name, operator_kind=operator_kind, cluster_type=cluster,
            chains=chains, opened=opened, temporary_until=temporary_until,
            description=description,
        ))
    return buildings


def _plan_spaces(rng: random.Random, unit: int, buildings: list[_Building],
                 today: int) -> list[_Space]:
    sizes = [size for *_rest, size in ARCHETYPES]
    if unit:
        rng.shuffle(sizes)
    spaces = []
    for building, size in zip(buildings, sizes, strict=True):
        counts = _split(size, CLUSTER_KINDS[building.cluster_type])
        cap_spec = _policy_spec(building.city, today)
        number = 0
        for kind, count in counts.items():
            for _ in range(count):
                number += 1
                floor = 0 if kind in (SHOWROOM, WORKSHOP, SHARED) else 1 + (number - 1) // 12
                code = {DESK: f"F{number:03d}", SHOWROOM: f"S{number:02d}"}.get(
                    kind, f"{floor}.{number:02d}")
                low, high, mode = AREAS[kind]
                area = Decimal(round(rng.triangular(low, high, mode) * 2) / 2).quantize(Decimal("0.01"))
                facilities = [code_ for code_, chance in FACILITIES[kind] if rng.random() < chance]
                if kind in (STUDIO, OFFICE) and {"music", "film-media"} & set(building.chains):
                    if rng.random() < 0.6:
                        facilities.append(F.SOUNDPROOFING)
                if kind in (WORKSHOP,) and "crafts-food" in building.chains and rng.random() < 0.4:
                    facilities.append(F.KILN)
                if kind == STUDIO and "visual-arts" in building.chains and rng.random() < 0.05:
                    facilities.append(F.DARKROOM)
                factor = Decimal(f"{rng.uniform(0.62, 0.97):.2f}")
                spaces.append(_Space(
                    building=building, code=code, kind=kind, area=area, rent_factor=factor,
                    monthly_rent=_rent(area, cap_spec.caps[kind], factor), exception="",
                    facilities=tuple(dict.fromkeys(str(f) for f in facilities)),
                    stages=_weighted(rng, STAGES_SERVED[kind]),
                    term_months=12 if kind == DESK and rng.random() < 0.5 else None,
                ))
    # A handful of spaces are let above the cap, with the reason recorded.
    eligible = [space for space in spaces if space.kind in EXCEPTION_REASONS]
    for space in rng.sample(eligible, min(EXCEPTIONS_PER_UNIT, len(eligible))):
        space.rent_factor = Decimal(f"{rng.uniform(1.08, 1.25):.2f}")
        space.exception = EXCEPTION_REASONS[space.kind]
        cap = _policy_spec(space.building.city, today).caps[space.kind]
        space.monthly_rent = _rent(space.area, cap, space.rent_factor)
    return spaces


@dataclass(frozen=True)
class Cadence:
    """How a chain's projects run: the typical days a project spends in each stage (a single
    project takes between half and 1.8 times that) and the chance a project is dropped in
    making (it goes back to idea)."""

    idea: int
    making: int
    distribution: int
    dropped: float

    def days(self, stage: str) -> int:
        return {IDEA: self.idea, MAKING: self.making, DISTRIBUTION: self.distribution}[stage]


CADENCES = {
    # two collections a year: design, samples and production, selling the season
    "fashion": Cadence(45, 75, 60, 0.04),
    # competitions and commissions: sketch design, elaboration, realisation or a product run
    "architecture-design": Cadence(120, 210, 150, 0.15),
    # a body of work a year or so: research, making, an exhibition or a sale
    "visual-arts": Cadence(80, 170, 100, 0.08),
    # writing, recording, a release and its tour
    "music": Cadence(80, 120, 180, 0.08),
    # development is long; production and post; festivals, broadcast, streaming
    "film-media": Cadence(300, 240, 300, 0.2),
    # concept and prototype, a long production, release and live operation
    "games-digital": Cadence(120, 420, 180, 0.15),
    # a collection of objects or a menu: trials, a small series, shop and market
    "crafts-food": Cadence(60, 150, 120, 0.06),
    # productions of several months: research, rehearsals, première and tour
    "performing-arts": Cadence(45, 90, 90, 0.05),
}
# In the idea phase (starting out) most projects stay experiments: after making they go back
# to idea, only this share reaches distribution.
IDEA_PHASE_DISTRIBUTED = 0.3
STAY, LEAVE = "stay", "leave"  # career outcomes besides a next phase and the market


def _career_step(rng: random.Random, phase: str, day: int) -> tuple[int, str]:
    """When the current career phase ends and what follows: a next phase, MARKET, LEAVE (the
    sector) or STAY (the phase lasts; then the day means nothing)."""
    if phase == IDEA:
        return day + int(rng.triangular(250, 1100, 500)), _weighted(rng, ((MAKING, 88), (LEAVE, 12)))
    if phase == MAKING:
        return day + int(rng.triangular(500, 2200, 1100)), _weighted(
            rng, ((DISTRIBUTION, 60), (MARKET, 15), (LEAVE, 10), (STAY, 15)))
    return day + int(rng.triangular(400, 1800, 900)), _weighted(
        rng, ((MARKET, 45), (LEAVE, 10), (STAY, 45)))


def _timeline(rng: random.Random, cadence: Cadence, entry: int,
              today: int) -> tuple[list[tuple[int, str, bool]], int | None]:
    """A creative's stage history up to `today` as project cycles within a career (see the
    module docstring): the moves as (day, stage or MARKET, career move?), and the day the
    creative leaves the sector, if before `today`."""
    phase = stage = IDEA if rng.random() < 0.55 else MAKING
    day = entry
    moves = [(day, stage, True)]
    due, outcome = _career_step(rng, phase, day)
    while True:
        # the current project moves on when its time in this stage is up
        typical = cadence.days(stage)
        day += int(rng.triangular(typical * 0.5, typical * 1.8, typical))
        if outcome != STAY and day >= due:
            if outcome == LEAVE:
                return moves, due if due <= today else None
            if outcome == MARKET:
                if day <= today:
                    moves.append((day, MARKET, True))
                return moves, None
        if day > today:
            return moves, None
        if stage == IDEA:
            target = MAKING
        elif stage == DISTRIBUTION:
            target = IDEA
        elif rng.random() < cadence.dropped:
            target = IDEA
        elif phase == IDEA and rng.random() >= IDEA_PHASE_DISTRIBUTED:
            target = IDEA
        else:
            target = DISTRIBUTION
        # a due change of phase happens with the first move into the new phase's stage
        career = outcome == target and day >= due
        moves.append((day, target, career))
        stage = target
        if career:
            phase = target
            due, outcome = _career_step(rng, phase, day)


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _creative_name(rng: random.Random, kind: str) -> str:
    word = rng.choice(NAME_PARTS) + rng.choice(NAME_ENDS)
    if kind == CreativeKind.PERSON:
        return _person_name(rng)
    if kind == CreativeKind.DUO:
        return f"{rng.choice(FIRST_NAMES)} & {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" \
            if rng.random() < 0.2 else f"{_person_name(rng)} & {_person_name(rng)}"
    if kind == CreativeKind.COLLECTIVE:
        return f"Collectief {word.capitalize()}"
    surname = rng.choice(LAST_NAMES)
    return rng.choice((f"{word.capitalize()} B.V.", f"Studio {surname[0].upper()}{surname[1:]}",
                       word.capitalize()))


def _plan_creatives(rng: random.Random, spaces: list[_Space], disciplines: list[tuple[int, str, str]],
                    kvk_taken: set[str], today: int) -> list[_Creative]:
    city_weights: dict[str, tuple[CitySpec, int]] = {}
    for space in spaces:
        city = space.building.city
        city_weights[city.slug] = (city, city_weights.get(city.slug, (city, 0))[1] + 1)
    chains_by_slug = {chain.slug: chain for chain in CHAINS}
    by_chain: dict[str, list[int]] = {}
    for index, (_pk, chain_slug, _name) in enumerate(disciplines):
        by_chain.setdefault(chain_slug, []).append(index)
    first, last = HISTORY_START.toordinal(), today - 14
    creatives = []
    for _ in range(CREATIVES_PER_UNIT):
        city = _weighted(rng, city_weights.values())
        chain = chains_by_slug[_weighted(rng, [(c.slug, c.weight) for c in CHAINS])]
        discipline = rng.choice(by_chain[chain.slug])
        kind = _weighted(rng, CREATIVE_KINDS)
        name = _creative_name(rng, kind)
        kvk = ""
        if rng.random() < KVK_SHARE[kind]:
            while not kvk or kvk in kvk_taken:
                kvk = f"{rng.randint(10_000_000, 99_999_999)}"
            kvk_taken.add(kvk)
        handle = slugify(name.replace("&", "en")).replace("-", ".")[:40] or "maker"
        entry = rng.randint(first, last)
        year = date.fromordinal(entry).year - rng.randint(0, 4)
        discipline_name = disciplines[discipline][2]
        timeline, leaves = _timeline(rng, CADENCES[chain.slug], entry, today)
        career_days = [day for day, _target, career in timeline[1:] if career]
        if leaves is not None:
            career_days.append(leaves)
        creatives.append(_Creative(
            city=city, chain=chain, discipline=discipline, kind=kind, name=name, kvk=kvk,
            email=f"{handle}@example.org",
            phone=f"06 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}" if rng.random() < 0.7 else "",
            website=f"https://{handle.replace('.', '')}.example.org" if rng.random() < 0.4 else "",
            bio=rng.choice(BIO_TEMPLATES).format(discipline=discipline_name, city=city.name, year=year),
            seeks=rng.random() < 0.9,
            timeline=timeline, leaves=leaves, career_days=tuple(career_days),
        ))
    return creatives


# --- the simulation ----------------------------------------------------------------------------

# Events on the same day run in this order: endings first, then lettings (a space goes to
# someone whose career phase holds for a while), then stage moves and leaving the sector, so a
# move never falls on the first day of a tenancy the simulation has not yet started.
_END, _EARLY_END, _FREE, _ENTER, _MOVE, _LEAVE = range(6)
_NEVER = date.max.toordinal()


class _Simulation:
    """Lets the unit's spaces to its creatives day by day up to `today` (see module docstring)."""

    def __init__(self, unit: _Unit, rng: random.Random, today: int):
        self.unit, self.rng, self.today = unit, rng, today
        self.events: list[tuple] = []
        self.sequence = itertools.count()
        self.pools: dict[tuple[str, str], dict[_Creative, int]] = {}

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
    def join(self, creative: _Creative, day: int) -> None:
        if creative.active and creative.seeks and creative.pool is None:
            creative.pool = (creative.city.slug, creative.phase)
            self.pools.setdefault(creative.pool, {})[creative] = day

    def leave(self, creative: _Creative) -> int | None:
        if creative.pool is None:
            return None
        since = self.pools[creative.pool].pop(creative)
        creative.pool = None
        return since

    # events ------------------------------------------------------------------------------------
    def record(self, creative: _Creative, day: int, target: str) -> None:
        tenancy = creative.tenancy
        building = tenancy.space.building if tenancy else None
        to_market = target == MARKET
        self.unit.moves.append((creative, day, creative.stage, None if to_market else target,
                                to_market, building))

    def advance(self, creative: _Creative) -> None:
        """Schedule the creative's next move (one at a time keeps the event queue short)."""
        creative.next_move += 1
        if creative.next_move < len(creative.timeline):
            self.push(creative.timeline[creative.next_move][0], _MOVE, creative)

    def enter(self, day: int, creative: _Creative) -> None:
        _day, stage, _career = creative.timeline[0]
        self.record(creative, day, stage)
        creative.stage = creative.phase = stage
        self.join(creative, day)
        self.advance(creative)

    def move(self, day: int, creative: _Creative) -> None:
        if not creative.active:
            return
        _day, target, career = creative.timeline[creative.next_move]
        self.record(creative, day, target)
        self.advance(creative)
        if not career:
            # a project moves on: recorded, the tenancy and the candidate list stay as they are
            creative.stage = target
            return
        creative.next_career += 1
        tenancy = creative.tenancy
        if target == MARKET:
            creative.active = False
            self.leave(creative)
            if tenancy:
                self.end(tenancy, day, EndReason.OUTFLOW_TO_MARKET)
            creative.stage = creative.phase = None
            return
        creative.stage = creative.phase = target
        if tenancy and target not in tenancy.space.stages:
            self.end(tenancy, day, EndReason.NEXT_STAGE)
            self.join(creative, day)
        elif creative.pool is not None:
            since = self.leave(creative)
            self.join(creative, since)

    def leave_sector(self, day: int, creative: _Creative) -> None:
        """The creative stops: no stage move, the tenancy ends, the creative is archived."""
        if not creative.active:
            return
        creative.active, creative.archived = False, True
        self.leave(creative)
        if creative.tenancy:
            self.end(creative.tenancy, day, EndReason.LEFT_SECTOR)

    def next_career_day(self, creative: _Creative) -> int:
        """The day the creative's career phase next changes (or they leave the sector)."""
        if creative.next_career < len(creative.career_days):
            return creative.career_days[creative.next_career]
        return _NEVER

    def let(self, space: _Space, creative: _Creative, day: int, renewals: int) -> None:
        policy = _policy_spec(space.building.city, day)
        months = min(policy.standard_term_months, space.term_months or policy.standard_term_months)
        planned_end = add_months(date.fromordinal(day), months)
        if space.building.temporary_until:
            planned_end = min(planned_end, space.building.temporary_until)
        tenancy = _Tenancy(
            space=space, creative=creative, start=day, planned_end=planned_end.toordinal(),
            monthly_rent=_rent(space.area, policy.caps[space.kind], space.rent_factor),
            exception=space.exception, renewals=renewals,
        )
        self.unit.tenancies.append(tenancy)
        space.tenancy = creative.tenancy = tenancy
        self.push(tenancy.planned_end, _END, tenancy)
        length = tenancy.planned_end - day
        if length > 120 and self.rng.random() < 0.1:
            reason = _weighted(self.rng, ((EndReason.OTHER_BROEDPLAATS, 30), (EndReason.LEFT_SECTOR, 20),
                                          (EndReason.TERMINATED, 10), (EndReason.OTHER, 40)))
            self.push(day + self.rng.randint(60, length - 1), _EARLY_END, (tenancy, reason))

    def end(self, tenancy: _Tenancy, day: int, reason: str | None) -> None:
        """End a tenancy on a day: early with a reason, or at its planned end without one."""
        tenancy.over = True
        if reason:
            tenancy.actual_end, tenancy.end_reason = day, reason
        tenancy.space.tenancy = None
        tenancy.creative.tenancy = None
        self.push(day + self.rng.randint(7, 60), _FREE, (tenancy.space, None))

    def planned_end(self, day: int, tenancy: _Tenancy) -> None:
        if tenancy.over:
            return
        creative, space = tenancy.creative, tenancy.space
        policy = _policy_spec(space.building.city, tenancy.start)
        temporary_until = space.building.temporary_until
        renew = (
            creative.active and creative.phase in space.stages
            and tenancy.renewals < policy.max_renewals
            and self.next_career_day(creative) > day + 60
            and (temporary_until is None or temporary_until.toordinal() > day + 60)
            and self.rng.random() < 0.7
        )
        if renew:
            tenancy.over = True
            self.let(space, creative, day, tenancy.renewals + 1)
            return
        self.end(tenancy, day, None)
        if self.rng.random() < 0.65:
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
        vacant_since = day if vacant_since is None else vacant_since
        # Generic spaces go to any stage-fit creative once they have stood empty for a while.
        relaxed = day - vacant_since > 120 and space.kind in (STUDIO, DESK, OFFICE)
        creative = self.pick(space, day, relaxed)
        if creative is None:
            self.push(day + self.rng.randint(30, 75), _FREE, (space, vacant_since))
            return
        self.leave(creative)
        self.let(space, creative, day, 0)

    def pick(self, space: _Space, day: int, relaxed: bool) -> _Creative | None:
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
                if scanned >= 80 or found >= 4:
                    break
                if self.next_career_day(creative) <= day + 30:
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


def _plan_unit(*, seed: int, unit: int, cities: dict[str, CitySpec],
               disciplines: list[tuple[int, str, str]], kvk_taken: set[str], today: int) -> _Unit:
    rng = random.Random(seed * 1_000_003 + unit)
    buildings = _plan_buildings(rng, unit, cities, today)
    spaces = _plan_spaces(rng, unit, buildings, today)
    creatives = _plan_creatives(rng, spaces, disciplines, kvk_taken, today)
    plan = _Unit(index=unit, buildings=buildings, spaces=spaces, creatives=creatives)
    _Simulation(plan, rng, today).run()
    return plan


# --- writing ------------------------------------------------------------------------------------

class _Writer:
    """Collects child rows and writes them with bulk_create in batches."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.buffers: dict[type, list] = {}

    def add(self, obj) -> None:
        buffer = self.buffers.setdefault(type(obj), [])
        buffer.append(obj)
        if len(buffer) >= self.batch_size:
            self.flush(type(obj))

    def flush(self, model: type | None = None) -> None:
        for key in [model] if model else list(self.buffers):
            rows = self.buffers.pop(key, [])
            if rows:
                key.objects.bulk_create(rows, batch_size=self.batch_size)


@dataclass
class _Refs:
    """Primary keys of the rows the units point at."""

    stages: dict[str, int]
    facilities: dict[str, int]
    chains: dict[str, int]
    disciplines: list[tuple[int, str, str]]  # pk, chain slug, Dutch name
    cities: dict[str, City]
    programmer_id: int | None = None
    programmer_buildings: set[int] = field(default_factory=set)


def _write_unit(plan: _Unit, refs: _Refs, writer: _Writer) -> None:
    """Write one planned unit: parents at once (their keys are needed), children buffered."""
    buildings = [Building(
        city=refs.cities[b.city.slug], name=b.name, slug=b.slug, description=b.description,
        address=b.address, postcode=b.postcode, latitude=b.latitude, longitude=b.longitude,
        operator_name=b.operator_name, operator_kind=b.operator_kind, cluster_type=b.cluster_type,
        temporary_until=b.temporary_until,
    ) for b in plan.buildings]
    Building.objects.bulk_create(buildings, batch_size=writer.batch_size)
    focus = Building.chain_focus.through
    for row, b in zip(buildings, plan.buildings, strict=True):
        b.pk = row.pk
        for chain in b.chains:
            writer.add(focus(building_id=b.pk, chain_id=refs.chains[chain]))
    if plan.index == 0:
        for archetype in PROGRAMMER_ARCHETYPES:
            building_id = plan.buildings[archetype].pk
            refs.programmer_buildings.add(building_id)
            writer.add(Building.programmers.through(building_id=building_id,
                                                    user_id=refs.programmer_id))

    spaces = [Space(
        building_id=s.building.pk, code=s.code, kind=s.kind, area_m2=s.area,
        monthly_rent=s.monthly_rent, rent_exception_reason=s.exception,
    ) for s in plan.spaces]
    Space.objects.bulk_create(spaces, batch_size=writer.batch_size)
    for row, s in zip(spaces, plan.spaces, strict=True):
        s.pk = row.pk
        for code in s.facilities:
            writer.add(Space.facilities.through(space_id=s.pk, facility_id=refs.facilities[code]))
        for code in s.stages:
            writer.add(Space.stages.through(space_id=s.pk, stage_id=refs.stages[code]))

    creatives = [Creative(
        name=c.name, kind=c.kind, kvk_number=c.kvk, discipline_id=refs.disciplines[c.discipline][0],
        email=c.email, phone=c.phone, website=c.website, bio=c.bio, archived=c.archived,
    ) for c in plan.creatives]
    Creative.objects.bulk_create(creatives, batch_size=writer.batch_size)
    for row, c in zip(creatives, plan.creatives, strict=True):
        c.pk = row.pk

    stages, programmer_buildings = refs.stages, refs.programmer_buildings
    for creative, day, from_stage, to_stage, to_market, building in plan.moves:
        building_id = building.pk if building else None
        writer.add(StageMove(
            creative_id=creative.pk,
            from_stage_id=stages[from_stage] if from_stage else None,
            to_stage_id=stages[to_stage] if to_stage else None,
            to_market=to_market, moved_on=date.fromordinal(day), building_id=building_id,
            recorded_by_id=refs.programmer_id if building_id in programmer_buildings else None,
        ))
    for t in plan.tenancies:
        by = refs.programmer_id if t.space.building.pk in programmer_buildings else None
        actual_end = date.fromordinal(t.actual_end) if t.actual_end else None
        writer.add(Tenancy(
            space_id=t.space.pk, creative_id=t.creative.pk, start=date.fromordinal(t.start),
            planned_end=date.fromordinal(t.planned_end), actual_end=actual_end,
            end_reason=t.end_reason, monthly_rent=t.monthly_rent, rent_exception_reason=t.exception,
            created_by_id=by,
            ended_by_id=by if actual_end else None,
            # Recorded at noon of the day it ended: a fixed time keeps the demo repeatable.
            ended_at=timezone.make_aware(datetime.combine(actual_end, NOON)) if actual_end else None,
        ))


# Applications on the demo calls, in call order: the status each ends in (one gets an offer).
_APPLICATION_OUTCOMES = (
    (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.OFFERED,
     ApplicationStatus.INELIGIBLE),
    (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED, ApplicationStatus.ELIGIBLE),
    (ApplicationStatus.SUBMITTED, ApplicationStatus.INELIGIBLE, ApplicationStatus.SHORTLISTED),
    (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE),
)
_MOTIVATIONS = (
    "Ik zoek een vaste werkplek om mijn praktijk verder uit te bouwen.",
    "Wij werken nu vanuit huis en willen graag tussen andere makers zitten.",
    "Voor mijn nieuwe project heb ik meer ruimte en een plek om te presenteren nodig.",
    "Ik sta al een tijd op de wachtlijst en zou graag in dit gebouw beginnen.",
)


def _free_spaces(building_id: int, today: date) -> list[Space]:
    """Active spaces of a building let to no one on `today` and later (no tenancy starts later)."""
    taken = Tenancy.objects.annotate(ends=Coalesce("actual_end", "planned_end")).filter(
        space__building_id=building_id, ends__gt=today).values("space_id")
    return list(Space.objects.filter(building_id=building_id, archived=False)
                .exclude(pk__in=taken).order_by("code"))


def _open_calls(plan: _Unit, refs: _Refs, programmer, linked: Creative | None,
                rng: random.Random, today: date) -> None:
    """Published open calls of unit 0 (one per building of the demo programmer, one in Rotterdam)
    and a handful of applications to them in varied states, all through the services (few rows).
    Applicants are waiting creatives of the building's city, never the demo creative's. The
    services' mails are not sent: the demo addresses are made up."""
    buildings = [b for b in plan.buildings if b.pk in refs.programmer_buildings]
    buildings += [b for b in plan.buildings if b.city.slug == "rotterdam"][:1]
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
            by = programmer if b.pk in refs.programmer_buildings else None
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
            allocation.call_publish(call=call, by=by)
            pool = waiting.get(b.city.slug, [])
            for outcome, applicant in zip(outcomes, rng.sample(pool, min(len(pool), len(outcomes))),
                                          strict=False):
                _apply(call, applicant, outcome, offered[0], refs, by, rng, today)
                pool.remove(applicant)


def _apply(call: Call, applicant: _Creative, outcome: str, space: Space, refs: _Refs, by,
           rng: random.Random, today: date) -> None:
    creative = Creative.objects.get(pk=applicant.pk)
    application = allocation.application_create(
        creative=creative, call=call, on=today, by=creative.user,
        stage_id=refs.stages[applicant.stage], motivation=rng.choice(_MOTIVATIONS))
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


# --- reference rows, users, public entry points --------------------------------------------------

def _reference_data(*, extra_cities: bool) -> _Refs:
    """Stages and facilities (from the migrations), chains, disciplines, cities and policies
    (through `policy_create`, only for a city that has none yet)."""
    stages = {}
    for code, order in STAGE_ORDER.items():
        stages[code] = Stage.objects.get_or_create(code=code, defaults={"order": order})[0].pk
    facilities = {code: Facility.objects.get_or_create(code=code)[0].pk for code in FacilityCode.values}
    chains, disciplines = {}, []
    for spec in CHAINS:
        chain, _ = Chain.objects.update_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "name_en": spec.name_en, "description": spec.description},
        )
        chains[spec.slug] = chain.pk
        for code, text in spec.stages.items():
            ChainStage.objects.update_or_create(chain=chain, stage_id=stages[code],
                                                defaults={"description": text})
        for slug, name, name_en in spec.disciplines:
            discipline, _ = Discipline.objects.update_or_create(
                slug=slug, defaults={"chain": chain, "name": name, "name_en": name_en})
            disciplines.append((discipline.pk, spec.slug, name))
    cities = {}
    for spec in CITIES:
        if spec.slug not in SCALE_ONE_CITIES and not extra_cities:
            continue
        city, _ = City.objects.get_or_create(slug=spec.slug, defaults={"name": spec.name})
        cities[spec.slug] = city
        if not city.policies.exists():
            for policy in spec.policies:
                policy_create(
                    city=city, rent_caps=policy.caps, valid_from=policy.valid_from,
                    valid_to=policy.valid_to, income_limit=policy.income_limit,
                    standard_term_months=policy.standard_term_months,
                    max_renewals=policy.max_renewals,
                    screening_validity_months=policy.screening_validity_months,
                    required_screened_share=policy.required_screened_share,
                    max_tenancies_per_creative=1, source=policy.source,
                )
    return _Refs(stages=stages, facilities=facilities, chains=chains, disciplines=disciplines,
                 cities=cities)


def _demo_users(password: str) -> tuple[dict[str, AbstractBaseUser], set[str]]:
    """One user per role, new ones with the (demo-only) password. A user that already exists
    under a demo username keeps its password and rights; its username is returned as kept."""
    User = get_user_model()
    hashed = None
    users, kept = {}, set()
    for demo in DEMO_USERS:
        admin = demo.role == "admin"
        user, created = User.objects.get_or_create(username=demo.username, defaults={
            "email": f"{demo.username}@example.org", "is_staff": admin, "is_superuser": admin})
        if created:
            hashed = hashed or make_password(password)  # hash once: it is the slow part
            user.password = hashed
            user.save(update_fields=["password"])
        else:
            kept.add(demo.username)
        if demo.group:
            user.groups.add(Group.objects.get_or_create(name=demo.group)[0])
        users[demo.role] = user
    return users, kept


def _link_creative_user(plan: _Unit, refs: _Refs, user) -> Creative | None:
    """Link the demo creative login to a person renting in one of the programmer's buildings."""
    def fit(creative: _Creative) -> tuple:
        tenancy = creative.tenancy
        return (
            creative.kind != CreativeKind.PERSON,
            tenancy is None,
            tenancy is None or tenancy.space.building.pk not in refs.programmer_buildings,
            -min(len(creative.timeline), 25),  # a history worth showing, not the longest
        )
    chosen = min(plan.creatives, key=fit)
    creative = Creative.objects.get(pk=chosen.pk)
    creative.user = user
    creative.save(update_fields=["user"])
    first, _, last = chosen.name.partition(" ")
    user.first_name, user.last_name = first[:150], last[:150]
    user.save(update_fields=["first_name", "last_name"])
    return creative


@dataclass
class DemoSummary:
    """What `demo_build` wrote: row counts per table and the time it took."""

    counts: dict[str, int]
    seconds: float
    creative_login: str = ""
    kept_users: set[str] = field(default_factory=set)


def demo_counts() -> dict[str, int]:
    """Row counts of the tables the demo fills."""
    return {
        "cities": City.objects.count(),
        "policies": Policy.objects.count(),
        "rent caps": PolicyRentCap.objects.count(),
        "chains": Chain.objects.count(),
        "stages of chains": ChainStage.objects.count(),
        "disciplines": Discipline.objects.count(),
        "buildings": Building.objects.count(),
        "building chain focus links": Building.chain_focus.through.objects.count(),
        "spaces": Space.objects.count(),
        "space facility links": Space.facilities.through.objects.count(),
        "space stage links": Space.stages.through.objects.count(),
        "creatives": Creative.objects.count(),
        "stage moves": StageMove.objects.count(),
        "tenancies": Tenancy.objects.count(),
        "open calls": Call.objects.count(),
        "applications": Application.objects.count(),
        "application status changes": ApplicationEvent.objects.count(),
        "screenings": Screening.objects.count(),
        "offers": Offer.objects.count(),
        "users": get_user_model().objects.count(),
    }


def demo_is_seeded() -> bool:
    """Whether the database has any building (what `--if-empty` looks at)."""
    return Building.objects.exists()


def demo_has_data() -> bool:
    """Whether building the demo would collide with rows already there."""
    return Building.objects.exists() or Creative.objects.exists()


@transaction.atomic
def demo_build(*, seed: int = DEFAULT_SEED, scale: int = 1, today: date,
               password: str = DEMO_PASSWORD, batch_size: int = BATCH_SIZE,
               progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Build the demo (scale × 12 buildings, 300 spaces, 600 creatives) as of `today`, in one
    transaction; the same seed, scale and today give the same data."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if today < EARLIEST_TODAY:
        raise ValueError(f"today must be {EARLIEST_TODAY.isoformat()} or later")
    started = perf_counter()
    refs = _reference_data(extra_cities=scale > 1)
    users, kept = _demo_users(password)
    refs.cities["amsterdam"].bureau_members.add(users["city bureau"])
    refs.programmer_id = users["programmer"].pk
    city_specs = {spec.slug: spec for spec in CITIES if spec.slug in refs.cities}
    writer, kvk_taken, linked = _Writer(batch_size), set(), None
    today_day = today.toordinal()
    for unit in range(scale):
        plan = _plan_unit(seed=seed, unit=unit, cities=city_specs, disciplines=refs.disciplines,
                          kvk_taken=kvk_taken, today=today_day)
        _write_unit(plan, refs, writer)
        reset_queries()  # with DEBUG on, Django keeps every (large) INSERT statement otherwise
        if unit == 0:
            writer.flush()
            linked = _link_creative_user(plan, refs, users["creative"])
            first_plan = plan
        if progress and scale > 1 and ((unit + 1) % 10 == 0 or unit + 1 == scale):
            progress(f"  {unit + 1}/{scale} units planned and written "
                     f"({perf_counter() - started:.0f} s)")
    writer.flush()
    _open_calls(first_plan, refs, users["programmer"], linked, random.Random(seed * 1_000_003 - 1),
                today)
    return DemoSummary(counts=demo_counts(), seconds=perf_counter() - started,
                       creative_login=linked.name if linked else "", kept_users=kept)


@transaction.atomic
def demo_flush() -> None:
    """Delete the demo data (everything in the tables the demo fills, and the demo users but
    "admin"), children first because most foreign keys PROTECT. Stages, facilities and groups
    stay: the migrations own them."""
    Offer.objects.all().delete()
    ApplicationEvent.objects.all().delete()
    ApplicantNote.objects.all().delete()
    Application.facilities.through.objects.all().delete()
    Application.objects.all().delete()
    Screening.objects.all().delete()
    for relation in (Call.spaces, Call.chains, Call.disciplines, Call.stages, Call.facilities):
        relation.through.objects.all().delete()
    Call.objects.all().delete()
    Tenancy.objects.all().delete()
    StageMove.objects.all().delete()
    Space.facilities.through.objects.all().delete()
    Space.stages.through.objects.all().delete()
    Space.objects.all().delete()
    Building.chain_focus.through.objects.all().delete()
    Building.programmers.through.objects.all().delete()
    Building.objects.all().delete()
    Creative.objects.all().delete()
    Policy.objects.all().delete()  # rent caps cascade
    City.bureau_members.through.objects.all().delete()
    City.objects.all().delete()
    ChainStage.objects.all().delete()
    Discipline.objects.all().delete()
    Chain.objects.all().delete()
    get_user_model().objects.filter(username__in=FLUSHED_USERNAMES).delete()


def demo_logins() -> list[tuple[DemoUser, bool]]:
    """The demo logins, each with whether the user exists in this database."""
    existing = set(get_user_model().objects.filter(
        username__in=[demo.username for demo in DEMO_USERS]).values_list("username", flat=True))
    return [(demo, demo.username in existing) for demo in DEMO_USERS]
