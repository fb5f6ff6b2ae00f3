from accounts.selectors import group_named
from core.commands import AdminCommand, usage_error
from licensing.management.listing import add_format_argument, records_write, table_write
from licensing.selectors.groups import group_licenses
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import pools_of_subscription, subscription_resolve
from licensing.services.group_licenses import group_licenses_change

COLUMNS = ("subscription", "sku", "product", "quantity", "assigned", "available", "waiting")


class Command(AdminCommand):
    help = (
        "Give a group products of a subscription (every member gets the license, or waits in the pool's line when "
        "none is free) or take them back, all or nothing; without --add or --remove, list the group's licenses."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--group", required=True, metavar="NAME", help="The group's name (any case).")
        parser.add_argument(
            "--subscription", help="Subscription name or id; needed with --add and --remove, a filter of the list."
        )
        parser.add_argument("--add", action="append", default=[], metavar="SKU", help="Part number or sku id.")
        parser.add_argument("--remove", action="append", default=[], metavar="SKU", help="As --add.")
        add_format_argument(parser)

    def handle(self, *args, group: str, subscription: str | None, add: list[str], remove: list[str], **options):
        if (add or remove) and not subscription:
            raise usage_error("name the subscription of the products with --subscription.")
        if (add or remove) and options["format"] != "table":
            raise usage_error("--format is for the list: leave out --add and --remove to list the group's licenses.")
        named = group_named(actor=self.actor.user, name=group)
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription) if subscription else None
        if add or remove:
            self._change(named, scope, add, remove)
        else:
            self._list(named, scope, options["format"])

    def _change(self, group, subscription, add: list[str], remove: list[str]) -> None:
        adding = products_resolve(identifiers=add)
        removing = products_resolve(identifiers=remove)
        change = group_licenses_change(
            by=self.actor, group=group, subscription=subscription, add=adding, remove=removing
        )
        pools = {pool.product_id: pool for pool in pools_of_subscription(subscription=subscription)}
        for verb, products in (("added", change.added), ("removed", change.removed)):
            for product in sorted(products, key=lambda product: product.sku_part_number):
                pool = pools[product.pk]
                self.stdout.write(
                    f"{verb}\t{product.sku_part_number}\t{pool.available} of {pool.quantity} available, "
                    f"{pool.pending} waiting"
                )
        unchanged = len(adding) + len(removing) - len(change.added) - len(change.removed)
        self.stdout.write(
            f"{group.name} in {subscription.name}: added {len(change.added)}, removed {len(change.removed)}, "
            f"unchanged {unchanged}."
        )

    def _list(self, group, subscription, format: str) -> None:
        held = group_licenses(group=group, actor=self.actor.user)
        if subscription is not None:
            held = held.filter(pool__subscription=subscription)
        records = [
            {
                "subscription": group_license.pool.subscription.name,
                "sku": group_license.pool.product.sku_part_number,
                "product": group_license.pool.product.name,
                "quantity": group_license.pool.quantity,
                "assigned": group_license.pool.assigned,
                "available": group_license.pool.available,
                "waiting": group_license.pool.pending,
            }
            for group_license in held
        ]
        if format != "table":
            records_write(self.stdout, format, COLUMNS, records)
        elif not records:
            where = f" in {subscription.name}" if subscription else ""
            self.stdout.write(f"{group.name} holds no licenses{where}.")
        else:
            rows = [
                (
                    record["subscription"],
                    record["sku"],
                    f"{record['available']} of {record['quantity']}",
                    str(record["waiting"]),
                )
                for record in records
            ]
            table_write(self.stdout, ("SUBSCRIPTION", "SKU", "AVAILABLE", "WAITING"), rows, numeric={2, 3})
