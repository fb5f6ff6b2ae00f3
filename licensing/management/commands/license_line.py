from core.commands import AdminCommand
from licensing.management.listing import add_format_argument, records_write, table_write
from licensing.selectors.groups import pending_reason, pool_line
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import pool_get, subscription_resolve

COLUMNS = ("position", "email", "since", "reason")


class Command(AdminCommand):
    help = (
        "List the group members waiting for a license of one product in one subscription, first in line first: "
        "each gets the next license that frees up, in the change that frees it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", required=True, help="Subscription name or id.")
        parser.add_argument("--sku", required=True, help="Product part number (e.g. OFFICESERIES_E3) or sku id.")
        add_format_argument(parser)

    def handle(self, *args, subscription: str, sku: str, format: str, **options) -> None:
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription)
        (product,) = products_resolve(identifiers=[sku])
        pool = pool_get(subscription=scope, product=product)
        reason = pending_reason(pool)
        line = list(pool_line(pool))
        records = [
            {"position": position, "email": entry.user.label, "since": entry.since.isoformat(), "reason": reason}
            for position, entry in enumerate(line, start=1)
        ]
        if format != "table":
            records_write(self.stdout, format, COLUMNS, records)
            return
        waiting = f"{len(records)} waiting" if records else "nobody waiting"
        self.stdout.write(
            f"{product.sku_part_number} in {scope.name}: {pool.available} of {pool.quantity} available, {waiting}."
        )
        if records:
            rows = [
                (str(position), entry.user.label, entry.since.isoformat(timespec="seconds"), reason)
                for position, entry in enumerate(line, start=1)
            ]
            table_write(self.stdout, ("POSITION", "EMAIL", "SINCE", "REASON"), rows, numeric={0})
