"""Roles are Django groups, so that admins manage them in the admin."""
TESTER = "tester"
REPORT_OWNER = "report owner"
# The person in the business line who holds a report's source documents.
DATA_PROVIDER = "data provider"
TEST_MANAGER = "test manager"
ADMIN = "admin"

ALL = (TESTER, REPORT_OWNER, DATA_PROVIDER, TEST_MANAGER, ADMIN)


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()


def is_manager(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.groups.filter(name__in=[TEST_MANAGER, ADMIN]).exists()
    )
