from accounts.permissions import require_admin
from core.commands import AdminCommand
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import pool_get, pools_visible, subscription_resolve
from licensing.services.group_licenses import pools_reprocess


class Command(AdminCommand):
    help = (
        "An operator's repair, never needed for correctness: every change already gives group members their "
        "licenses, or their place in the line, and serves the line in its own transaction. Brings each pool's "
        "licenses and line in line with the groups that hold it (after a restore or a manual SQL fix) and prints, "
        "per pool, how many licenses were taken back and how many members got one or joined the line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", help="Only this subscription (name or id).")
        parser.add_argument("--sku", help="Only this product (part number or sku id).")

    def handle(self, *args, subscription: str | None, sku: str | None, **options) -> None:
        require_admin(self.actor.user)
        pools = pools_visible(actor=self.actor.user)
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription) if subscription else None
        (product,) = products_resolve(identifiers=[sku]) if sku else (None,)
        if scope is not None and product is not None:
            pools = pools.filter(pk=pool_get(subscription=scope, product=product).pk)
        elif scope is not None:
            pools = pools.filter(subscription=scope)
        elif product is not None:
            pools = pools.filter(product=product)
        outcomes = pools_reprocess(by=self.actor, pools=pools)
        self.stdout.write("subscription\tsku\ttaken\tgiven")
        for pool, (taken, given) in outcomes.items():
            self.stdout.write(f"{pool.subscription.name}\t{pool.product.sku_part_number}\t{taken}\t{given}")
        taken_total = sum(taken for taken, _ in outcomes.values())
        given_total = sum(given for _, given in outcomes.values())
        self.stdout.write(
            f"Reprocessed {len(outcomes)} pools: took back {taken_total} licenses; {given_total} members got one or "
            "joined the line."
        )
