"""The signed-in user's API tokens: what is valid, until when, and revoking."""
import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from knox.models import AuthToken

from . import tokens

DIGEST = re.compile(r"[0-9a-f]{128}")


@require_http_methods(["GET", "POST"])
def token_list(request):
    error = None
    if request.method == "POST":
        if request.POST.get("revoke_all"):
            count = tokens.revoke(AuthToken.objects.filter(user=request.user), reason="all revoked by their owner (page)", actor=request.user)
            messages.success(request, f"Revoked {count} token(s).")
            return redirect("tokens")
        digest = request.POST.get("revoke", "")
        if digest:
            # Another user's token is as unknown as one that never existed.
            mine = AuthToken.objects.filter(user=request.user, digest=digest) if DIGEST.fullmatch(digest) else None
            if mine is None or not mine.exists():
                raise Http404("No such token.")
            tokens.revoke(mine, reason="revoked by its owner (page)", actor=request.user)
            messages.success(request, "Token revoked.")
            return redirect("tokens")
        error = "Choose a token to revoke."
    return render(
        request, "accounts/tokens.html", {"tokens": tokens.active(request.user), "error": error}, status=400 if error else 200
    )
