"""Input validation for the web pages; the rules themselves live in licensing.services."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import GroupKind, Role
from accounts.models import Group, User
from accounts.selectors import users_by_email
from core.ids import MAX_ID

from .choices import AlertKind, SubscriptionStatus
from .models import LicensePool, Product, Subscription


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


class IdsField(forms.Field):
    """Several database ids, each checked as IdChoiceField checks one, and not read here: for ids the service
    reads anyway (as the dialog's products are read with the pools it locks), so they cost no query of their own."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Not an id: %(value)s."}

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        for each in values:
            if not _is_id(each):
                raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": each})
        return sorted({int(each) for each in values})


class UserLicensesForm(forms.Form):
    """The "Add or remove licenses" dialog: the ids of the products the user should hold in the subscription.

    Any id is accepted here: the service reads the products with the subscription's pools, and refuses one it has
    no pool of (or that does not exist) with its domain error, as it would through the API.
    """

    products = IdsField(required=False)


class UsersSelectionForm(forms.Form):
    """The users a bulk action is for: the rows ticked, or with `all_matching` every user the list's filters match
    (`query`, the list's query string, re-applied on the server: views/lists.FilteredListView.rows_matching)."""

    users = IdMultipleChoiceField(queryset=User.objects.all(), required=False)
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=4000, strip=False)
    confirmed = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_matching") and not cleaned.get("users") and "users" not in self.errors:
            self.add_error("users", "Select at least one user.")
        return cleaned


class BulkLicensesForm(UsersSelectionForm):
    """Assign or unassign one product for the users selected on the list."""

    ASSIGN = "assign"
    UNASSIGN = "unassign"

    action = forms.ChoiceField(choices=[(ASSIGN, "Assign to selected"), (UNASSIGN, "Unassign from selected")])
    product = IdChoiceField(
        queryset=Product.objects.all(), error_messages={"required": "Choose a product for the selected users."}
    )


class PoolQuantityForm(forms.Form):
    """A new purchased quantity for one product of a subscription."""

    # A bound for the input; the business rule (never below what is assigned) is pool_set_quantity's.
    quantity = forms.IntegerField(min_value=0, max_value=LicensePool.MAX_QUANTITY)


# --- groups (licensing/views/groups.py) ------------------------------------------------------------------------

# Values of a rule attribute, and emails of a pasted list, are separated by commas or new lines (a pasted list
# also by semicolons and spaces, as mail programs write them).
RULE_VALUE_SEPARATORS = re.compile(r"[,\r\n]+")
EMAIL_SEPARATORS = re.compile(r"[\s,;]+")
ACCOUNT_STATUS_RULE = {"": None, "enabled": [True], "disabled": [False]}


def _values(text: str, separators: re.Pattern) -> list[str]:
    return [value.strip() for value in separators.split(text or "") if value.strip()]


def rule_text(values: list) -> str:
    """A rule attribute's values as its text field shows them, one a line."""
    return "\n".join(str(value) for value in values)


def _values_input(placeholder: str) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 2, "placeholder": placeholder})


class GroupForm(forms.Form):
    """A group's name and description, and a dynamic group's rule. What makes a valid group (a name unique without
    case, the rule's shape and lengths) is accounts.services.groups': its errors come back to this form."""

    RULE_FIELDS = ("department", "job_title", "usage_location", "is_active")

    name = forms.CharField(required=False, strip=True)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    department = forms.CharField(required=False, strip=False, widget=_values_input("e.g. Sales, Marketing"))
    job_title = forms.CharField(required=False, strip=False, widget=_values_input("e.g. Account executive"))
    usage_location = forms.CharField(required=False, strip=False, widget=_values_input("Country codes, e.g. US, CA"))
    is_active = forms.ChoiceField(
        required=False,
        label="Account status",
        choices=[("", "Any"), ("enabled", "Enabled"), ("disabled", "Disabled")],
    )

    def rule(self) -> dict[str, list]:
        """The rule the fields describe: each attribute given, with its values (checked by the service)."""
        data = self.cleaned_data
        rule: dict[str, list] = {
            name: _values(data.get(name, ""), RULE_VALUE_SEPARATORS)
            for name in ("department", "job_title", "usage_location")
        }
        rule["is_active"] = ACCOUNT_STATUS_RULE.get(data.get("is_active") or "")
        return {name: values for name, values in rule.items() if values}

    def rule_changed(self) -> bool:
        """Whether the admin changed the rule's fields from what they showed (`initial`), line endings aside: an
        untouched rule is not sent again, so a value the fields cannot express (one with a comma) stays as it is."""

        def lines(text) -> list[str]:
            return [line.strip() for line in str(text or "").splitlines() if line.strip()]

        return any(lines(self.initial.get(name)) != lines(self.data.get(name)) for name in self.RULE_FIELDS)

    @staticmethod
    def initial_of(group) -> dict:
        """The fields as they show an existing group."""
        rule = group.rule or {}
        status = {(True,): "enabled", (False,): "disabled"}.get(tuple(rule.get("is_active", ())), "")
        initial = {"name": group.name, "description": group.description, "is_active": status}
        for name in ("department", "job_title", "usage_location"):
            initial[name] = rule_text(rule.get(name, []))
        return initial


class GroupCreateForm(GroupForm):
    """A new group: its kind too, fixed from then on."""

    kind = forms.ChoiceField(choices=GroupKind.choices, initial=GroupKind.ASSIGNED, widget=forms.RadioSelect)


class _Ids(forms.MultipleChoiceField):
    """Several database ids, each checked as IdChoiceField checks one; which users they name is checked where they
    are resolved (accounts.selectors.users_identified)."""

    default_error_messages = {"invalid_choice": "Not a user id: %(value)s."}

    def valid_value(self, value) -> bool:
        return _is_id(value)


class GroupMembersForm(forms.Form):
    """A change of an assigned group's members: add one email, add a pasted list, or remove the checked users (or
    the one whose row's Remove was pressed)."""

    ADD = "add"
    PASTE = "paste"
    REMOVE = "remove"

    action = forms.ChoiceField(choices=[(ADD, "Add"), (PASTE, "Add these members"), (REMOVE, "Remove selected")])
    email = forms.CharField(required=False)
    emails = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    users = _Ids(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None and data.get("remove_one"):  # a row's own Remove button
            data = data.copy()
            data["action"] = self.REMOVE
            data.setlist("users", [data["remove_one"]])
        super().__init__(data, **kwargs)

    def email_list(self) -> list[str]:
        """The emails to add: the one typed, or the pasted list's."""
        if self.cleaned_data["action"] == self.ADD:
            email = self.cleaned_data["email"].strip()
            return [email] if email else []
        return _values(self.cleaned_data["emails"], EMAIL_SEPARATORS)


class GroupLicenseForm(forms.Form):
    """A product to give a group, as the pool of a subscription. Any pool is accepted here, so one outside the
    admin's scope reaches the service and is refused there (NotFound), as through the API."""

    pool = IdChoiceField(
        queryset=LicensePool.objects.select_related("product", "subscription"),
        error_messages={"required": "Choose a product.", "invalid_choice": "Choose one of the products offered."},
    )


# --- users (licensing/views/directory.py, licensing/views/user_accounts.py) ----------------------------------------


class UserForm(forms.Form):
    """A user's details as an admin edits them; the service validates them again as the model does."""

    display_name = forms.CharField(max_length=200, required=False, label="Display name")
    department = forms.CharField(max_length=100, required=False)
    job_title = forms.CharField(max_length=100, required=False, label="Job title")
    usage_location = forms.CharField(
        max_length=2, required=False, label="Usage location", help_text="A country code, e.g. US or GB."
    )

    def clean_usage_location(self) -> str:
        return self.cleaned_data["usage_location"].strip().upper()

    @staticmethod
    def initial_of(user: User) -> dict:
        return {name: getattr(user, name) for name in ("display_name", "department", "job_title", "usage_location")}


class UserCreateForm(UserForm):
    email = forms.EmailField(max_length=254, label="Email")
    field_order = ["email", "display_name", "department", "job_title", "usage_location"]


class UserStatusForm(forms.Form):
    """Enable or disable one account."""

    is_active = forms.TypedChoiceField(choices=[("true", "Enable"), ("false", "Disable")], coerce=lambda v: v == "true")


class UsersBulkForm(UsersSelectionForm):
    """A bulk action on the users selected on the Users page; `confirmed` once the admin has seen what it does."""

    DISABLE = "disable"
    ADD_TO_GROUP = "add_to_group"
    ASSIGN = "assign"
    UNASSIGN = "unassign"

    action = forms.ChoiceField(
        choices=[
            (DISABLE, "Disable"),
            (ADD_TO_GROUP, "Add to group"),
            (ASSIGN, "Assign a product"),
            (UNASSIGN, "Unassign a product"),
        ],
        error_messages={"required": "Choose what to do with the selected users."},
    )
    group = IdChoiceField(queryset=Group.objects.filter(kind=GroupKind.ASSIGNED), required=False)
    pool = IdChoiceField(
        queryset=LicensePool.objects.select_related("product", "subscription"), required=False, label="Product"
    )

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == self.ADD_TO_GROUP and not cleaned.get("group"):
            self.add_error("group", "Choose an assigned group to add the selected users to.")
        if action in {self.ASSIGN, self.UNASSIGN} and not cleaned.get("pool"):
            self.add_error("pool", "Choose a product for the selected users.")
        return cleaned


# --- roles, API tokens and subscriptions (licensing/views/roles.py, tokens.py, subscriptions.py) ----------------


class RoleGrantForm(forms.Form):
    """An admin role for the user with this email. Which roles take a subscription is role_grant's rule."""

    email = forms.EmailField(error_messages={"required": "Enter the email of the user to grant the role to."})
    role = forms.ChoiceField(choices=Role.choices)
    subscription = IdChoiceField(
        queryset=Subscription.objects.all(),
        required=False,
        empty_label="— (Subscription Administrators only)",
        error_messages={"invalid_choice": "Choose one of the subscriptions offered."},
    )

    def clean_email(self) -> User:
        user = next(iter(users_by_email(emails=[self.cleaned_data["email"]]).values()), None)
        if user is None:
            raise ValidationError("No user has this email.")
        return user


class RoleRevokeForm(forms.Form):
    """One role held, among those the admin may see (`roles`)."""

    role = IdChoiceField(queryset=None, error_messages={"invalid_choice": "That role is no longer held."})

    def __init__(self, data=None, *, roles, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["role"].queryset = roles


class ApiTokenForm(forms.Form):
    """A new API token of the signed-in admin: a name to recognise it by and how long it lasts."""

    NO_EXPIRY = "never"
    EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), (NO_EXPIRY, "No expiry")]

    name = forms.CharField(max_length=100, error_messages={"required": "Give the token a name."})
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires")

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data["expires_in"]
        return None if days == self.NO_EXPIRY else timezone.now() + datetime.timedelta(days=int(days))


class SubscriptionStatusForm(forms.Form):
    """A subscription's new status; which changes its lifecycle allows is subscription_set_status's rule."""

    status = forms.ChoiceField(choices=SubscriptionStatus.choices)


class PoolCreateForm(forms.Form):
    """A product the subscription does not hold yet (`products`), with a quantity: "Buy licenses"."""

    product = IdChoiceField(
        queryset=None,
        error_messages={"required": "Choose a product.", "invalid_choice": "Choose one of the products offered."},
    )
    quantity = forms.IntegerField(min_value=1, max_value=LicensePool.MAX_QUANTITY)

    def __init__(self, data=None, *, products, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["product"].queryset = products


class CsvUploadForm(forms.Form):
    """A CSV file to preview or apply (licensing/views/imports.py). `previewed` is the SHA-256 of the file the
    preview showed, sent back with Apply so that exactly that file is applied."""

    MAX_BYTES = 10 * 1024 * 1024

    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 text (a byte-order mark is fine), at most {MAX_BYTES // (1024 * 1024)} MB.",
        error_messages={"required": "Choose a CSV file.", "empty": "The file is empty."},
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    previewed = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size / (1024 * 1024):.1f} MB; the limit is {self.MAX_BYTES // (1024 * 1024)} MB."
            )
        return upload


class AlertPreferencesForm(forms.Form):
    """The kinds of alert an admin wants by e-mail and in the admin center; an unchecked kind is off."""

    by_email = forms.MultipleChoiceField(
        choices=AlertKind.choices, required=False, widget=forms.CheckboxSelectMultiple, label="By e-mail"
    )
    in_admin_center = forms.MultipleChoiceField(
        choices=AlertKind.choices, required=False, widget=forms.CheckboxSelectMultiple, label="In the admin center"
    )
