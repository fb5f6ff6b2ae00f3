from licensing.management.base import LicensingCommand
from licensing.selectors import pool_get, products_resolve, subscription_resolve
from licensing.services import pool_set_quantity


class Command(LicensingCommand):
    help = "Set how many licenses of a product a subscription holds; never below what is assigned."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", required=True, help="Subscription name or id.")
        parser.add_argument("--sku", required=True, help="Product part number or sku id.")
        parser.add_argument("quantity", type=int, help="The new quantity, 0 or more.")

    def handle(self, *args, subscription: str, sku: str, quantity: int, **options) -> None:
        scope = subscription_resolve(actor=self.actor, identifier=subscription)
        (product,) = products_resolve(identifiers=[sku])
        pool = pool_get(subscription=scope, product=product)
        old_quantity = pool.quantity
        pool = pool_set_quantity(pool=pool, quantity=quantity, **self.audit)
        self.stdout.write(
            f"{product.sku_part_number} in {scope.name}: quantity {old_quantity} -> {pool.quantity} "
            f"({pool.assigned} assigned, {pool.available} available)."
        )
