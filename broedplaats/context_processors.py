from broedplaats.roles import roles_of


def roles(request):
    """The signed-in user's roles, for navigation that fits the role."""
    return {"roles": roles_of(getattr(request, "user", None))}
