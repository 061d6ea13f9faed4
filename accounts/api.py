"""The REST API's sign-in: obtain a token with a user name and password,
revoke the calling token or all of one's tokens."""
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from knox.models import AuthToken

from cycles import api_schema as doc
from cycles.request_limits import SafeJSONParser

from . import tokens

# One message for every refusal (unknown user, wrong password, inactive
# account): the answer does not tell which. DRF's own wording, kept.
BAD_CREDENTIALS = "Unable to log in with provided credentials."


class CredentialsSerializer(serializers.Serializer):
    # As long as a user name can be (User.username), so that no longer
    # string ever reaches the sign-in counters.
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send it as `Authorization: Token <token>`")
    expires = serializers.DateTimeField(help_text="when the token stops working (API_TOKEN_TTL after it was issued)")


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="how many tokens were revoked")


LOCKED = OpenApiResponse(
    doc.ErrorSerializer,
    description="Sign-in is temporarily locked after too many failed attempts (per user name or per address); "
    "`detail` says when to try again, as do `retry_after` (seconds), `locked_until` and the Retry-After header.",
)


@extend_schema(
    request=CredentialsSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(description="Missing fields, or the user name and password do not match an active account."),
        413: OpenApiResponse(doc.ErrorSerializer, description="The body is too large."),
        429: LOCKED,
    },
    auth=[],
)
class ObtainTokenView(APIView):
    """POST /api/auth/token/ {"username", "password"} (JSON or a form):
    a new token that expires after API_TOKEN_TTL seconds."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser, SafeJSONParser]

    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The plain Django request: django-axes counts the failure and flags
        # a lock-out on it, and its middleware then answers 429 for us.
        django_request = request._request
        user = authenticate(django_request, **credentials.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": [BAD_CREDENTIALS]}, code="authorization")
        instance, token = tokens.issue(user)
        # As a login: last_login, and axes forgives the user name's failures.
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        return Response(TokenSerializer({"token": token, "expires": instance.expiry}).data)


@extend_schema(
    request=None,
    responses={
        200: RevokedSerializer,
        400: OpenApiResponse(doc.ErrorSerializer, description="The call was not made with a token."),
        401: doc.NOT_LOGGED_IN,
    },
)
class RevokeTokenView(APIView):
    """POST /api/auth/token/revoke: the token this call is made with stops
    working at once (the API's log out)."""

    def post(self, request):
        if not isinstance(request.auth, AuthToken):
            return Response(
                {"detail": "This call was not made with a token: send `Authorization: Token <token>` to revoke "
                 "that token, or use /api/auth/token/revoke-all."},
                status=400,
            )
        revoked = tokens.revoke(AuthToken.objects.filter(pk=request.auth.pk), reason="revoked by its owner (API)", actor=request.user)
        return Response({"revoked": revoked})


@extend_schema(request=None, responses={200: RevokedSerializer, 401: doc.NOT_LOGGED_IN})
class RevokeAllTokensView(APIView):
    """POST /api/auth/token/revoke-all: every token of the caller stops working."""

    def post(self, request):
        revoked = tokens.revoke(
            AuthToken.objects.filter(user=request.user), reason="all revoked by their owner (API)", actor=request.user
        )
        return Response({"revoked": revoked})
