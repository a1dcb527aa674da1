"""Every write of the place side, by subject. Import from here: `from broedplaats.services
import tenancy_create`.

- accounts: a user's personal API tokens
- places: policies, rent caps, buildings, spaces, tenancies
- allocation: open calls, applications, screening, offers
- matching: fit weights, committee scores, allocation rounds, pathways
- throughput: the dashboards' summary table and public figures
- privacy: erasing a creative's personal data, the retention of unsuccessful applications

Lock order: a service that locks rows of several models (`chains.locking.lock_rows`) locks
them in the order of `LOCK_ORDER`, and the rows of one model in id order, so that two writes
at the same moment wait for each other instead of deadlocking; it reads which rows to lock
before locking them and checks again once they are held. docs/architecture.md ("Lock order")
gives the same list, and a test holds the two together. Services that lock more than one row
are wrapped in `chains.locking.retry_on_conflict`: a deadlock or serialization failure that
still happens starts the transaction again, and ends, at worst, in a message.
"""

from broedplaats.models import AllocationRound, Application, Call, City, Offer, Pathway, Space
from broedplaats.services.accounts import *  # noqa: F403
from broedplaats.services.allocation import *  # noqa: F403
from broedplaats.services.matching import *  # noqa: F403
from broedplaats.services.places import *  # noqa: F403
from broedplaats.services.privacy import *  # noqa: F403
from broedplaats.services.throughput import *  # noqa: F403
from chains.models import Creative

LOCK_ORDER = (AllocationRound, Pathway, City, Call, Space, Offer, Application, Creative)
