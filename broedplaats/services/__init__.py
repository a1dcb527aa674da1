"""Every write of the place side, by subject. Import from here: `from broedplaats.services
import tenancy_create`.

- accounts: a user's personal API tokens
- places: policies, rent caps, buildings, spaces, tenancies
- allocation: open calls, applications, screening, offers
- matching: fit weights, committee scores, allocation rounds, pathways
- throughput: the dashboards' summary table and public figures
"""

from broedplaats.services.accounts import *  # noqa: F403
from broedplaats.services.allocation import *  # noqa: F403
from broedplaats.services.matching import *  # noqa: F403
from broedplaats.services.places import *  # noqa: F403
from broedplaats.services.throughput import *  # noqa: F403
