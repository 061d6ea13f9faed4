from . import roles


def user_roles(request):
    user = getattr(request, "user", None)
    return {"is_manager": bool(user and roles.is_manager(user))}
