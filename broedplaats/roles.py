"""The three roles (Django groups) and where each lands after logging in."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

CREATIVE = "creative"
PROGRAMMER = "programmer"
CITY_BUREAU = "city bureau"
GROUPS = (CREATIVE, PROGRAMMER, CITY_BUREAU)
ROLE_LABELS = {CREATIVE: _("Creative"), PROGRAMMER: _("Programmer"), CITY_BUREAU: _("City bureau")}


@dataclass(frozen=True)
class Roles:
    creative: bool = False
    programmer: bool = False
    city_bureau: bool = False
    admin: bool = False

    @property
    def any(self) -> bool:
        return self.creative or self.programmer or self.city_bureau or self.admin


def roles_of(user) -> Roles:
    """Which roles a user has; cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return Roles()
    cached = getattr(user, "_broedplaats_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = Roles(
            creative=CREATIVE in names,
            programmer=PROGRAMMER in names,
            city_bureau=CITY_BUREAU in names,
            admin=user.is_superuser,
        )
        user._broedplaats_roles = cached
    return cached


def require_role(user, role: str) -> None:
    """Refuse (403) a user who has neither the role ("creative", "programmer",
    "city_bureau") nor is an admin."""
    roles = roles_of(user)
    if not (getattr(roles, role) or roles.admin):
        raise PermissionDenied


def home_url_name(user) -> str:
    """The page a user lands on after logging in: their role's home."""
    roles = roles_of(user)
    if roles.programmer:
        return "programmer-home"
    if roles.city_bureau:
        return "bureau-home"
    if roles.creative:
        return "creative-home"
    if roles.admin:
        return "admin:index"
    return "building-list"
