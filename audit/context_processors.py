from agencies.roles import is_manager


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    return {"show_audit_link": user is not None and is_manager(user)}
