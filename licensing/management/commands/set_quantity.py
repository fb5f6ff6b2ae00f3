from core.commands import AdminCommand
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import pool_get, subscription_resolve
from licensing.services.pools import pool_set_quantity


class Command(AdminCommand):
    help = "Set how many licenses of a product a subscription holds; never below what is assigned."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", required=True, help="Subscription name or id.")
        parser.add_argument("--sku", required=True, help="Product part number or sku id.")
        parser.add_argument("quantity", type=int, help="The new quantity, 0 or more.")

    def handle(self, *args, subscription: str, sku: str, quantity: int, **options) -> None:
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription)
        (product,) = products_resolve(identifiers=[sku])
        pool = pool_get(subscription=scope, product=product)
        old_quantity = pool.quantity
        pool = pool_set_quantity(pool=pool, quantity=quantity, by=self.actor)
        self.stdout.write(
            f"{product.sku_part_number} in {scope.name}: quantity {old_quantity} -> {pool.quantity} "
            f"({pool.assigned} assigned, {pool.available} available)."
        )
