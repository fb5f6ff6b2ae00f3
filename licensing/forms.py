"""Input validation for the web pages; the rules themselves live in licensing.services."""

from django import forms

from accounts.models import User

from .models import Product

# A bound for the input; the business rule (never below what is assigned) is pool_set_quantity's.
MAX_QUANTITY = 1_000_000


class UserLicensesForm(forms.Form):
    """The "Add or remove licenses" dialog: the products the user should hold in the subscription.

    Any product is accepted here, so a product of another subscription reaches the service and is refused
    there with its domain error, as it would be through the API.
    """

    products = forms.ModelMultipleChoiceField(queryset=Product.objects.all(), required=False)


class BulkLicensesForm(forms.Form):
    """Assign or unassign one product for the users selected on the list."""

    ASSIGN = "assign"
    UNASSIGN = "unassign"

    action = forms.ChoiceField(choices=[(ASSIGN, "Assign to selected"), (UNASSIGN, "Unassign from selected")])
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), error_messages={"required": "Choose a product for the selected users."}
    )
    users = forms.ModelMultipleChoiceField(
        queryset=User.objects.all(), error_messages={"required": "Select at least one user."}
    )


class PoolQuantityForm(forms.Form):
    """A new purchased quantity for one product of a subscription."""

    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)
