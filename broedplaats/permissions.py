"""DRF permissions by role (Django groups, see roles.py).

A role only opens an endpoint; which rows a user sees is decided by the scoping selectors, so
another's object gives 404 rather than 403 and its existence is not revealed.
"""

from rest_framework.permissions import BasePermission

from broedplaats.roles import roles_of


class IsCreative(BasePermission):
    """Users in the creative group (and superusers)."""

    def has_permission(self, request, view) -> bool:
        roles = roles_of(request.user)
        return roles.creative or roles.admin


class IsProgrammer(BasePermission):
    """Users in the programmer group (and superusers)."""

    def has_permission(self, request, view) -> bool:
        roles = roles_of(request.user)
        return roles.programmer or roles.admin
