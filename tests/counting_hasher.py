"""A real password hasher (Django's MD5 one, as the test settings use) that
counts how often it hashes: the sign-in paths for an unknown user name and
for a wrong password must do the same work."""
from django.contrib.auth.hashers import MD5PasswordHasher


class CountingMD5PasswordHasher(MD5PasswordHasher):
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)
