"""The demo data set behind `manage.py seed_demo`: cities, policies, chains, buildings, spaces,
creatives with their stage histories, candidate lists, tenancies and social return, and one
login per role.

The data is built in *units*. One unit is the scale-1 demo: 12 buildings with 300 spaces and
1,100 creatives; `--scale N` builds N units (unit 0 is always Amsterdam and Rotterdam, further
units spread over more Dutch cities). Each unit is first planned in plain Python, then written,
so scale 1 and scale 100 run through the same code. The package's parts: `reference` (cities,
policies, chains), `buildings` (buildings, spaces and their habits), `careers` (creatives and
their stage histories), `simulation` (lettings and candidate lists), `records` (what the
services would have recorded along the way), `writing`, `calls` (the open calls on `today`) and
`build` (the entry points).

Stage histories are made of *project cycles*. A creative *product* travels idea → making →
distribution; a creative makes one product after another, so every project runs through the
stages and the next one starts at idea again (distribution → idea, or making → idea when a
project is dropped). How fast depends on the chain (`CADENCES`): fashion shows two collections a
year, a painter or a band finishes a body of work or a record in a year or so, a design
commission takes a year and a half, a film or a game two years or more, a theatre production a
few months. Every change of stage is a stage move, so a creative records about three moves per
project: about one a year in film, five or six in fashion. Careers start from 2012 on, more of
them every year (`ENTRY_GROWTH`: twice as many in the last year as in 2012), and some end; that
gives about 15 moves a creative: about 17,000 per unit, 1.7 million at `--scale 100`.

Above the projects runs the creative's *career phase*: where the practice as a whole stands
(starting out with research and experiments: idea; building up a body of work: making; selling,
touring, working for clients: distribution), and for some the move out to the market, the end of
the career in the demo. A change of phase is recorded as the first project move into the new
phase's stage after the change is due (or the move out to the market); it is flagged in the
timeline as a *career* move. Some creatives leave the sector instead (no move: the history
stops, the creative is archived); most are still active on `today`.

Planning a unit is a small event simulation over the years up to `today`, in date order:

* a creative who looks for space (nine in ten) joins the candidate list of their city for their
  career phase when they start, when a tenancy ends and they still need one, and stays on it
  until placed, gone to the market or out of the sector (a change of phase while waiting keeps
  the place on the list: the same stay, now for the new phase);
* a space that becomes free is let to a waiting creative of the same city whose career phase the
  space serves and whose chain wants that kind of space for that phase: the longest waiting of
  those who fit, the building's chain focus first, a lottery among the first few now and then;
* a tenancy runs the policy's standard term (a flexible desk its own shorter one). At its
  planned end it is renewed when the creative still fits the space and the building wants to
  (its habit, below), at most the policy's renewals: a renewal extends the same tenancy by a term
  from its planned end, as `tenancy_renew` does. Now and then a building renews once more, by
  exception, with the dated note `tenancy_renew` writes. Otherwise the tenancy ends on its
  planned end as "end of term" and most tenants go back on the list. In any term it may also
  end early (another broedplaats, left the sector, terminated, other);
* a *project* move is recorded (naming the building of the running tenancy, if any) and leaves
  the tenancy alone: a sculptor who exhibits a work keeps the studio, and the stages a space
  serves are a fit criterion at allocation, not a rule on every day of the tenancy;
* a *career* move the space does not serve ends the tenancy ("next stage in another building")
  and the creative joins the candidate list of the new phase; a move out to the market ends it
  as "outflow to the market", leaving the sector as "left the sector", on the same day. So every
  tenancy whose planned end has come has ended, with a reason; only later ones run on.

Allocation, renewal and candidate lists use the career phase, not the stage of the current
project: a project changes stage every few months, far more often than anyone changes workspace,
so letting by project stage would evict a fashion designer twice a year and hand out studios for
a season. The career phase changes once every few years, as tenancies do.

Figures differ between cities and buildings, as a dashboard should show them:

* *Demand.* A city's creatives are drawn by its stock times its demand (`CitySpec.demand`):
  Amsterdam 1.6, Rotterdam 1.2, the other cities 0.75. With 1,100 creatives for 300 spaces a
  unit, at `--scale 100` Amsterdam's list on `today` holds about twice its stock and Rotterdam's
  one and a half times, and the median wait from joining a list to a tenancy is about two years
  in Amsterdam, one and a third in Rotterdam and a quarter of a year in the other cities (the
  ninetieth percentiles: 3.3, 2.8 and under 2 years). About one in ten of Amsterdam's and
  Rotterdam's applicants leave the list without a place. See docs/benchmarks.md.
* *Habits of buildings* (`buildings.HABITS`), drawn per building around its cluster type: how
  readily it renews (an artists' zone about nine in ten, an incubator about a third; a tenants'
  cooperative more, a private developer less), how often it renews beyond the policy, whether it
  sends tenants whose career moves on to a next building though the space would do (incubators,
  eight in ten, and four in ten when a project of theirs reaches distribution: more "next stage"
  ends), and how much social return its tenants give (artists' zones four to six activities a
  tenant a year, incubators up to two; municipal buildings one more).
* The chains differ by cadence (above); the policies by term, renewals and screening validity.

What the services would have recorded is planned after the simulation (`records`): each stay on
a list is an application to a building's candidate list (the building where the creative was
placed; otherwise one of the city with a space for their phase, in their chain's focus rather
than not), submitted when they joined or when the building's list opened (two years before the
building), screened a few weeks later (`Screening`, again before an offer if it has lapsed),
then offered, accepted and linked through its `Offer` to the tenancy; left without a place it
is withdrawn; still waiting on `today` it is submitted or eligible. Every status change is an
`ApplicationEvent` at its day. Tenants of most buildings log social-return activities
(`SocialReturn`), dated within their tenancy and up to `today`. Every time Django would stamp as
"now" gets the day it stands for instead. The open calls on `today` (`calls`) go through the
services; the buildings with a call kept a few spaces freed in the last year for it.

So no space is let twice at once, no creative holds two spaces at once, every rent is under the
cap of the policy in force when the tenancy started (or carries an exception), every term within
the policy's terms (or with an exception), and the stage histories follow the rules of
`chains.services.stage_move_record` (in date order, from the stage the last move went to, never
to the same stage, nothing after the market). Randomness comes only from `random.Random`
instances seeded from `seed` and the unit number; `today` is passed in.
"""
from .build import (
    DemoSummary,
    demo_build,
    demo_counts,
    demo_flush,
    demo_has_data,
    demo_is_seeded,
    demo_logins,
    plan_unit,
)
from .careers import CADENCES, Cadence
from .reference import (
    CHAINS,
    CITIES,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    EARLIEST_TODAY,
    ChainSpec,
    CitySpec,
    DemoUser,
)

__all__ = [
    "CADENCES", "CHAINS", "CITIES", "DEFAULT_SEED", "DEMO_PASSWORD", "DEMO_USERS", "EARLIEST_TODAY",
    "Cadence", "ChainSpec", "CitySpec", "DemoSummary", "DemoUser", "demo_build", "demo_counts",
    "demo_flush", "demo_has_data", "demo_is_seeded", "demo_logins", "plan_unit",
]
