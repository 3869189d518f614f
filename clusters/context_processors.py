from .roles import roles_for


def user_roles(request) -> dict:
    """The signed-in user's roles for the top bar (computed lazily, cached per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_roles": roles_for(user)}
