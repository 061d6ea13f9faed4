"""Setting cycles up is for test managers and admins only."""
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from cycles import roles

REFUSAL = "Only test managers and admins set cycles up."


class IsManager(BasePermission):
    message = REFUSAL

    def has_permission(self, request, view) -> bool:
        return roles.is_manager(request.user)


def manager_required(view):
    """For pages: a 403 page for anyone else (login is already required)."""

    def wrapped(request, *args, **kwargs):
        if not roles.is_manager(request.user):
            raise PermissionDenied(REFUSAL)
        return view(request, *args, **kwargs)

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    wrapped.__dict__.update(view.__dict__)
    return wrapped
