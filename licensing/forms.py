"""Input validation for the web pages; the rules themselves live in licensing.services."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from core.ids import MAX_ID

from .models import LicensePool, Product


def _is_id(value) -> bool:
    try:
        return 1 <= int(value) <= MAX_ID
    except (TypeError, ValueError):
        return False


class IdChoiceField(forms.ModelChoiceField):
    """A choice by database id; a value that cannot be an id is invalid before it reaches a query (SQLite
    cannot even bind integers beyond 64 bits)."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model) and not _is_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several choices by database id, each checked as IdChoiceField checks one."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if not _is_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class UserLicensesForm(forms.Form):
    """The "Add or remove licenses" dialog: the products the user should hold in the subscription.

    Any product is accepted here, so a product of another subscription reaches the service and is refused
    there with its domain error, as it would be through the API.
    """

    products = IdMultipleChoiceField(queryset=Product.objects.all(), required=False)


class BulkLicensesForm(forms.Form):
    """Assign or unassign one product for the users selected on the list."""

    ASSIGN = "assign"
    UNASSIGN = "unassign"

    action = forms.ChoiceField(choices=[(ASSIGN, "Assign to selected"), (UNASSIGN, "Unassign from selected")])
    product = IdChoiceField(
        queryset=Product.objects.all(), error_messages={"required": "Choose a product for the selected users."}
    )
    users = IdMultipleChoiceField(queryset=User.objects.all(), error_messages={"required": "Select at least one user."})


class PoolQuantityForm(forms.Form):
    """A new purchased quantity for one product of a subscription."""

    # A bound for the input; the business rule (never below what is assigned) is pool_set_quantity's.
    quantity = forms.IntegerField(min_value=0, max_value=LicensePool.MAX_QUANTITY)
