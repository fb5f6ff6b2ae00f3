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
        plans = parser.add_mutually_exclusive_group()
        plans.add_argument(
            "--disable-plan",
            action="append",
            metavar="PLAN",
            help="A service plan (name or id) the group switches off on every product of --add and --plans-of; "
            "repeat for more.",
        )
        plans.add_argument("--all-plans-on", action="store_true", help="Switch every plan of those products on.")
        parser.add_argument(
            "--plans-of",
            action="append",
            default=[],
            metavar="SKU",
            help="A product the group holds whose plans to set with --disable-plan or --all-plans-on.",
        )
        add_format_argument(parser)

    def handle(self, *args, group: str, subscription: str | None, add: list[str], remove: list[str], **options):
        plans_of = options["plans_of"]
        changing = add or remove or plans_of
        if changing and not subscription:
            raise usage_error("name the subscription of the products with --subscription.")
        if changing and options["format"] != "table":
            raise usage_error("--format is for the list: leave out --add and --remove to list the group's licenses.")
        # The plans to switch off on the products of --add and --plans-of; None: no plan option, they keep theirs.
        disable = options["disable_plan"] or ([] if options["all_plans_on"] else None)
        if plans_of and disable is None:
            raise usage_error("--plans-of needs --disable-plan PLAN or --all-plans-on.")
        if disable is not None and not (add or plans_of):
            raise usage_error("name the products whose plans to set with --add or --plans-of.")
        named = group_named(actor=self.actor.user, name=group)
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription) if subscription else None
        if changing:
            self._change(named, scope, add, remove, plans_of, disable)
        else:
            self._list(named, scope, options["format"])

    def _change(
        self, group, subscription, add: list[str], remove: list[str], plans_of: list[str], disable: list[str] | None
    ) -> None:
        adding = products_resolve(identifiers=add)
        removing = products_resolve(identifiers=remove)
        replanning = products_resolve(identifiers=plans_of)
        plans = None if disable is None else dict.fromkeys([*adding, *replanning], disable)
        change = group_licenses_change(
            by=self.actor, group=group, subscription=subscription, add=adding, remove=removing, disabled_plans=plans
        )
        pools = {pool.product_id: pool for pool in pools_of_subscription(subscription=subscription)}
        for verb, products in (("added", change.added), ("removed", change.removed)):
            for product in sorted(products, key=lambda product: product.sku_part_number):
                pool = pools[product.pk]
                self.stdout.write(
                    f"{verb}\t{product.sku_part_number}\t{pool.available} of {pool.quantity} available, "
                    f"{pool.pending} waiting"
                )
        for product in sorted(change.plans_changed, key=lambda product: product.sku_part_number):
            self.stdout.write(f"plans\t{product.sku_part_number}\t{_plans_off(disable or [])}")
        unchanged = len(adding) + len(removing) - len(change.added) - len(change.removed)
        replanned = f"plans changed {len(change.plans_changed)}, " if change.plans_changed else ""
        self.stdout.write(
            f"{group.name} in {subscription.name}: added {len(change.added)}, removed {len(change.removed)}, "
            f"{replanned}unchanged {unchanged}."
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


def _plans_off(disable: list[str]) -> str:
    return f"off: {', '.join(disable)}" if disable else "all on"
