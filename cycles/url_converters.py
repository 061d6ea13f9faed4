"""Path converter for database ids.

Django's built-in `int` converter matches any number of digits, and an id
beyond the database's 64-bit integers made the lookup itself fail (SQLite:
OverflowError, a 500). Ids here are 1 to 18 digits, always below 2**63, so
anything longer is simply not found (404)."""
from django.urls import register_converter


class ObjectIdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(ObjectIdConverter, "id")
