"""Reference data of the demo: constants, the demo logins, chains and disciplines, cities and
their dated policies, and two helpers every part uses."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from broedplaats import roles
from broedplaats.models import SpaceKind
from chains.models import StageCode

DEMO_PASSWORD = "demo-broedplaats"
DEFAULT_SEED = 2026
BATCH_SIZE = 5000
BUILDINGS_PER_UNIT = 12
SPACES_PER_UNIT = 300
CREATIVES_PER_UNIT = 1100
# The sector grows: this many times as many careers start in the last year as in 2012.
ENTRY_GROWTH = 2.0
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
PROGRAMMER_USERNAME = "demo-programmer"


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
    # Creatives per space, relative to the other cities: how many compete for its stock, so
    # how long its candidate lists grow and how long they wait.
    demand: float


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


DEMAND_AMSTERDAM, DEMAND_ROTTERDAM, DEMAND_OTHER = 1.6, 1.2, 0.75
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
    ), AMSTERDAM_POLICIES, 30, DEMAND_AMSTERDAM),
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
    ), ROTTERDAM_POLICIES, 20, DEMAND_ROTTERDAM),
    CitySpec("Utrecht", "utrecht", (
        District("Lombok", 52.0925, 5.1020, (3531, 3532), ("Kanaalstraat", "Damstraat")),
        District("Werkspoorkwartier", 52.1130, 5.0880, (3542, 3542),
                 ("Cartesiusweg", "Hogeweidebrug")),
        District("Zuilen", 52.1100, 5.0950, (3551, 3554),
                 ("Amsterdamsestraatweg", "Prins Bernhardstraat")),
    ), _demo_policy("75"), 15, DEMAND_OTHER),
    CitySpec("Den Haag", "den-haag", (
        District("Binckhorst", 52.0730, 4.3370, (2516, 2516), ("Binckhorstlaan", "Saturnusstraat")),
        District("Laakhaven", 52.0640, 4.3150, (2521, 2521), ("Waldorpstraat", "Calandkade")),
        District("Scheveningen Haven", 52.1010, 4.2690, (2583, 2583), ("Dr. Lelykade", "Visafslagweg")),
    ), _demo_policy("72"), 15, DEMAND_OTHER),
    CitySpec("Eindhoven", "eindhoven", (
        District("Strijp-S", 51.4480, 5.4560, (5617, 5617), ("Torenallee", "Ketelhuisplein")),
        District("Sectie-C", 51.4560, 5.4970, (5641, 5641), ("Daalakkersweg", "Kanaaldijk-Zuid")),
    ), _demo_policy("65"), 10, DEMAND_OTHER),
    CitySpec("Groningen", "groningen", (
        District("Ebbingekwartier", 53.2245, 6.5700, (9712, 9712), ("Boterdiep", "Ebbingestraat")),
        District("Oosterpoort", 53.2110, 6.5760, (9724, 9726), ("Trompsingel", "Meeuwerderweg")),
    ), _demo_policy("60"), 10, DEMAND_OTHER),
)
SCALE_ONE_CITIES = ("amsterdam", "rotterdam")


def weighted(rng: random.Random, pairs) -> object:
    """One of the items of (item, weight) pairs, drawn by weight."""
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights)[0]


def policy_spec(city: CitySpec, day: int) -> PolicySpec:
    """The city's policy in force on a day; before the first one its first, after a gap the
    latest that started (the demo's policies leave no gaps)."""
    chosen = city.policies[0]
    for spec in city.policies:
        if spec.valid_from.toordinal() <= day:
            chosen = spec
    return chosen
