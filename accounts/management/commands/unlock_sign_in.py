import ipaddress

from django.core.management.base import BaseCommand, CommandError

from accounts.unlock import unlock


class Command(BaseCommand):
    help = "Lift a sign-in lock-out: forget the failed sign-ins of a user name and/or an address."

    def add_arguments(self, parser):
        parser.add_argument("--username", help="the user name as typed at sign-in")
        parser.add_argument("--address", help="the client's IP address")

    def handle(self, *args, username=None, address=None, **options):
        if username is None and address is None:
            raise CommandError("Give --username, --address or both.")
        if address is not None:
            try:
                address = str(ipaddress.ip_address(address))
            except ValueError:
                raise CommandError(f"Not an IP address: {address!r}") from None
        removed = unlock(username=username, address=address, how="unlock_sign_in")
        what = " and ".join(x for x in (username and f"user name {username!r}", address and f"address {address}") if x)
        self.stdout.write(f"Unlocked {what} ({removed} attempt record(s) removed).")
