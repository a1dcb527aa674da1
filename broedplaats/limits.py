"""How much a person may enter on the place side: the most characters of each free text, the
range of each number. The shape (`Range`, `at_most`) is chains.limits'.

The models' validators read these, so full_clean() refuses the same input in every service,
hence on the pages, in the API and in the admin, with the message beside (keyed by) the field;
the pages' forms and the API's input fields read them too, so the browser and the first form
refuse first. Policy figures stay dated settings (broedplaats.models.Policy); these only bound
what anyone could mean. docs/allocation.md ("Text lengths and number ranges") lists them.
"""

from decimal import Decimal

from chains.limits import Range, at_most, range_checks  # noqa: F401 (one shape for both apps)

# --- texts (characters) ------------------------------------------------------------------------
BUILDING_DESCRIPTION = 5_000
SPACE_DESCRIPTION = 5_000
CALL_TEXT = 10_000  # the call itself: who it is for, the criteria, the procedure
MOTIVATION = 5_000  # an application's motivation, about two pages
EXCEPTION_REASON = 1_000  # why a space's rent, or one renewal, may pass the policy
# A tenancy's term exceptions: each renewal's reason is appended to it, dated and signed, so it
# holds several EXCEPTION_REASONs.
TERM_EXCEPTIONS = 10_000
SCREENING_REASONS = 1_000
STATUS_NOTE = 1_000  # the note with a status change, shown in the application's history
PRIVATE_NOTE = 2_000  # a programmer's private note on an applicant
SOCIAL_RETURN_DESCRIPTION = 1_000

# --- numbers -----------------------------------------------------------------------------------
# Areas in m²: a desk is a few m², a shared workshop a few hundred; no space is larger than a
# whole building.
AREA_M2 = Range(Decimal("1"), Decimal("10000"))
WISHED_MIN_AREA_M2 = Range(Decimal("0"), AREA_M2.high)  # 0: any size will do
# Monthly rent in €: Amsterdam's studios ask about €300, a large workshop a few thousand.
MONTHLY_RENT = Range(Decimal("0"), Decimal("100000"))
# Rent caps in € per m² per year: Rotterdam's norm is €64.29, the market a few hundred.
RENT_CAP_PER_M2_YEAR = Range(Decimal("0.01"), Decimal("2000"))
INCOME_LIMIT = Range(Decimal("0"), Decimal("250000"))  # € per year; Amsterdam's is ~€38,150
STANDARD_TERM_MONTHS = Range(1, 120)  # live/work: 5 years, then 5 more after a re-test
MAX_RENEWALS = Range(0, 20)
SCREENING_VALIDITY_MONTHS = Range(1, 60)
LIVE_WORK_RETEST_YEARS = Range(1, 20)
SCREENED_SHARE = Range(Decimal("0"), Decimal("100"))  # %
TENANCIES_PER_CREATIVE = Range(1, 10)
# Buildings have a Dutch postcode, so they lie in the Netherlands (50.75–53.56 N, 3.36–7.23 E);
# the bounds also catch a latitude and longitude given the wrong way round.
LATITUDE = Range(Decimal("50.5"), Decimal("53.7"))
LONGITUDE = Range(Decimal("3.2"), Decimal("7.3"))
SOCIAL_RETURN_HOURS = Range(Decimal("0.25"), Decimal("500"))  # one activity, up to a project
FIT_POINTS = Range(0, 100)  # each part of the fit score, relative
WAIT_FULL_DAYS = Range(30, 3650)
COMMITTEE_SCORE = Range(0, 10)
LOTTERY_SEED = Range(0, 2**63 - 1)  # a whole number the database stores (bigint)
PATHWAY_BONUS_POINTS = Range(0, 50)
PATHWAY_PRIORITY_MONTHS = Range(1, 60)
# How long the personal content of an unsuccessful application is kept (docs/privacy.md): at
# least a month (time to answer questions about a decision), at most ten years.
APPLICATION_RETENTION_MONTHS = Range(1, 120)

# --- personal API tokens -----------------------------------------------------------------------
# A token is valid for at most a year: a forgotten key stops working on its own.
API_TOKEN_MAX_DAYS = 365
API_TOKENS_PER_USER = 20  # live (neither revoked nor expired) tokens a user may hold at once
