"""`Authorization: Token <token>` for the REST API, with knox's hashed,
expiring tokens."""
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token check, with one guard: a header that is not UTF-8 is an
    invalid token (401), not a UnicodeDecodeError (500)."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)
