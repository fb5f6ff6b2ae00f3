"""Groups (README, "Groups"): the list, creating and editing a group (a dynamic group's rule with a live preview),
deleting one, and a group's page with its members.

Every admin reads the section; changing groups and members is Global and User Administrators'
(accounts.permissions.require_group_management), the 403 page for others. It lives in licensing, not accounts,
because a group's page also shows the licenses the group holds (views.group_licenses). Views are thin: they read
through accounts.selectors, write only through accounts.services.groups with source=web, and show a refused
change's DomainError as the form's error, with nothing written.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.choices import GroupKind
from accounts.filtersets import GroupFilterSet, UserFilterSet
from accounts.group_rules import rule_filter, rule_validated
from accounts.models import Group, User
from accounts.permissions import admin_scope, require_group_management
from accounts.selectors import (
    departments_list,
    group_get,
    group_member_count,
    group_members,
    groups_visible,
    users_identified,
    users_page,
    users_resolve,
)
from accounts.services.groups import group_create, group_delete, group_members_change, group_update
from core.audit import Actor
from core.choices import Source
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.forms import GroupCreateForm, GroupForm, GroupMembersForm
from licensing.selectors.groups import licenses_freed_by_group_delete

from .lists import FilteredListView
from .mixins import AdminViewMixin

RULE_LABELS = {"department": "Department", "job_title": "Job title", "usage_location": "Usage location"}


class _GroupManagersOnly:
    """Refuses (403) whoever may not manage groups. It comes after AdminViewMixin in a view's bases, so its
    PermissionDenied is turned into the 403 page there, after the sign-in and admin-role checks."""

    def dispatch(self, request, *args, **kwargs):
        require_group_management(request.user)
        return super().dispatch(request, *args, **kwargs)


class GroupsViewMixin(AdminViewMixin):
    """A page of the Groups section, which every admin may read: marks its entry of the top menu."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(top_section="groups", **kwargs)

    def actor(self) -> Actor:
        return Actor(self.request.user, Source.WEB)


class GroupViewMixin(GroupsViewMixin):
    """A page of one group (`group_id` in the URL), with its number of members; NotFound (404) if there is none."""

    @cached_property
    def group(self) -> Group:
        return group_get(actor=self.request.user, group_id=self.kwargs["group_id"])

    @property
    def detail_url(self) -> str:
        return reverse("licensing:group_detail", args=[self.group.pk])

    def get_default_return_url(self) -> str:
        return self.detail_url

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, **kwargs)


# --- the list --------------------------------------------------------------------------------------------------


class GroupListView(GroupsViewMixin, FilteredListView):
    """Every group with its kind, number of members and description; search by name, filter by kind, sort, pages.
    A page costs the same number of queries whatever the number of groups and members (the member counts are
    one annotation of the page's query)."""

    template_name = "licensing/groups/list.html"
    results_template_name = "licensing/groups/partials/group_results.html"
    results_target = "group-results"
    filterset_class = GroupFilterSet
    sort_columns = (("Name", "name"), ("Members", "members"))
    default_sort = "name"
    per_page_choices = (10, 50, 100)

    def get_queryset(self):
        return groups_visible(actor=self.request.user)


# --- create, edit, preview, delete -----------------------------------------------------------------------------


def rule_preview(rule: dict) -> dict:
    """What the rule editor shows under the rule: how many users a rule matches, why it is not valid, or a hint
    while it is empty. The count is the one accounts.services.memberships makes the group's members."""
    if not rule:
        return {"hint": "Give at least one value to see how many users match."}
    try:
        validated = rule_validated(rule)
    except ValidationFailed as error:
        return {"error": error.message}
    return {"count": User.objects.filter(rule_filter(validated)).count()}


def form_with_error(form: GroupForm, error: DomainError) -> GroupForm:
    """The form with a refused change's error: on the fields the error names (`fields` of its details), and as
    the message above the form (the template shows `error.message`)."""
    fields = error.details.get("fields")
    for name, problems in fields.items() if isinstance(fields, dict) else ():
        if name in form.fields and name in form.cleaned_data:
            form.add_error(name, problems)
    return form


class GroupFormViewMixin(GroupsViewMixin, _GroupManagersOnly):
    """Create and edit share one template: the fields, the rule editor with its preview, and the error."""

    template_name = "licensing/groups/form.html"

    def render_form(self, form: GroupForm, *, error: DomainError | None = None, status: int = 200):
        """The form; after a POST the preview is of the rule sent, else of the group's own."""
        rule = form.rule() if hasattr(form, "cleaned_data") else self.initial_rule()
        fields = error.details.get("fields") if error else None
        context = self.get_context_data(
            form=form,
            error=error,
            rule_errors=fields.get("rule", []) if isinstance(fields, dict) else [],
            preview=rule_preview(rule),
        )
        return self.render_to_response(context, status=status)

    def initial_rule(self) -> dict:
        return {}

    def invalid(self, form: GroupForm):
        """The form's own errors (a NUL byte, an unknown choice), before any service is asked."""
        error = ValidationFailed("Correct the fields marked below.")
        return self.render_form(form, error=error, status=400)


class GroupCreateView(GroupFormViewMixin, TemplateView):
    """Add a group: assigned (admins add its members) or dynamic (its rule decides)."""

    def get(self, request, *args, **kwargs):
        return self.render_form(GroupCreateForm())

    def post(self, request, *args, **kwargs):
        form = GroupCreateForm(request.POST)
        if not form.is_valid():
            return self.invalid(form)
        data = form.cleaned_data
        try:
            group = group_create(
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                rule=form.rule(),
                by=self.actor(),
            )
        except PermissionDenied:
            raise
        except DomainError as error:
            return self.render_form(form_with_error(form, error), error=error, status=400)
        group = group_get(actor=request.user, group_id=group.pk)
        members = f", {_count(group.member_count, 'member')}" if group.kind == GroupKind.DYNAMIC else ""
        messages.success(request, f"Created {group.get_kind_display().lower()} group {group.name}{members}.")
        return redirect("licensing:group_detail", group.pk)


class GroupEditView(GroupViewMixin, GroupFormViewMixin, TemplateView):
    """Edit a group's name and description, and a dynamic group's rule (its kind is fixed)."""

    def initial_rule(self) -> dict:
        return self.group.rule if self.group.kind == GroupKind.DYNAMIC else {}

    def get(self, request, *args, **kwargs):
        return self.render_form(GroupForm(initial=GroupForm.initial_of(self.group)))

    def post(self, request, *args, **kwargs):
        group = self.group
        form = GroupForm(request.POST, initial=GroupForm.initial_of(group))
        if not form.is_valid():
            return self.invalid(form)
        fields = {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"]}
        if group.kind == GroupKind.DYNAMIC and form.rule_changed():
            fields["rule"] = form.rule()
        try:
            group = group_update(group=group, by=self.actor(), **fields)
        except (NotFound, PermissionDenied):  # the group gone meanwhile is the 404 page
            raise
        except DomainError as error:
            return self.render_form(form_with_error(form, error), error=error, status=400)
        messages.success(request, f"Saved group {group.name}.")
        return redirect(self.get_return_url())


class GroupRulePreviewView(GroupsViewMixin, _GroupManagersOnly, TemplateView):
    """GET (htmx, as the rule editor's fields change): how many users the rule of the fields matches."""

    template_name = "licensing/groups/partials/rule_preview.html"

    def get(self, request, *args, **kwargs):
        form = GroupForm(request.GET)
        preview = rule_preview(form.rule()) if form.is_valid() else {"error": "Not a valid rule."}
        return self.render_to_response(self.get_context_data(preview=preview))


class GroupDeleteView(GroupViewMixin, _GroupManagersOnly, TemplateView):
    """GET: the confirmation, which says how many members leave the group and how many licenses return to their
    pools. POST: delete it (the users stay)."""

    template_name = "licensing/groups/delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(licenses_freed=licenses_freed_by_group_delete(self.group), **kwargs)

    def post(self, request, *args, **kwargs):
        group = self.group
        group_delete(group=group, by=self.actor())
        messages.success(request, f"Deleted group {group.name}; {_members_left(group.member_count)}")
        return redirect("licensing:groups")


# --- a group's page: its members -------------------------------------------------------------------------------


class GroupDetailView(GroupViewMixin, FilteredListView):
    """A group's page, on its Members tab: the members (search, filters, sorting, pages) and, for an assigned
    group, adding one by email or a pasted list of emails and removing the checked ones or one. A dynamic group's
    members are read-only: its rule decides, and only those who manage groups change members. Each change is one
    call of group_members_change, all or nothing."""

    template_name = "licensing/groups/detail.html"
    results_template_name = "licensing/groups/partials/member_results.html"
    results_target = "member-results"
    filterset_class = UserFilterSet
    filter_id_prefix = "member-filter-"
    sort_columns = (("Name", "name"), ("Email", "email"), ("Department", "department"))
    default_sort = "name"
    per_page_choices = (10, 50, 100)

    def get_queryset(self):
        return group_members(actor=self.request.user, group=self.group)

    def unfiltered_count(self) -> int:
        return group_member_count(self.group)

    def rows_of(self, page_rows) -> list:
        """The page's members, their ids read first off the list order's index (users_page): a group whose
        members sit far apart in name order no longer has every user it skips read from the table."""
        return list(users_page(page_rows))

    def offer_choices(self, filterset) -> None:
        filterset.offer_choices("department", lambda: [(name, name) for name in departments_list()])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tab="members",
            editable=self.group.kind == GroupKind.ASSIGNED and admin_scope(self.request.user).can_manage_groups,
            rule_lines=_rule_lines(self.group.rule) if self.group.kind == GroupKind.DYNAMIC else [],
            return_to=self.request.get_full_path(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        require_group_management(request.user)
        group = self.group  # an unknown group is the 404 page, not a form error
        form = GroupMembersForm(request.POST)
        try:
            message = self.change_members(group, form)
        except (NotFound, PermissionDenied):  # the group gone meanwhile is the 404 page
            raise
        except DomainError as error:
            context = self.get_context_data(
                members_error=error, members_form=form, error_action=_action_of(form, group)
            )
            return self.render_to_response(context, status=400)
        messages.success(request, message)
        return redirect(self.get_return_url())

    def change_members(self, group: Group, form: GroupMembersForm) -> str:
        """Make the change the form asks for; the message saying what changed."""
        if not form.is_valid():
            raise ValidationFailed(" ".join(error for errors in form.errors.values() for error in errors))
        if form.cleaned_data["action"] == GroupMembersForm.REMOVE:
            ids = form.cleaned_data["users"]
            if not ids:
                raise ValidationFailed("Select at least one member to remove.")
            users = _known(users_identified, identifiers=ids)
            change = group_members_change(group=group, remove=users, by=self.actor())
            text = f"Removed {_count(len(change.removed), 'member')} from {group.name}"
            others = len(users) - len(change.removed)
            return f"{text}; {_count(others, 'user')} {_was(others)} not a member." if others else f"{text}."
        emails = form.email_list()
        if not emails:
            raise ValidationFailed(
                "Enter the email of the user to add."
                if form.cleaned_data["action"] == GroupMembersForm.ADD
                else "Paste at least one email, one a line or separated by commas."
            )
        users = _known(users_resolve, emails=emails)
        change = group_members_change(group=group, add=users, by=self.actor())
        text = f"Added {_count(len(change.added), 'member')} to {group.name}"
        already = len(users) - len(change.added)
        return f"{text}; {_count(already, 'user')} {_was(already)} already a member." if already else f"{text}."


def _known(resolve, **identifiers) -> list[User]:
    """The users a selector resolves; the unknown ones, which it names in its NotFound, are the form's error."""
    try:
        return resolve(**identifiers)
    except NotFound as error:
        raise ValidationFailed(error.message, **error.details) from error


def _action_of(form: GroupMembersForm, group: Group) -> str:
    """Which of the page's member forms was sent, so that its error is shown beside it; "" (the error above the
    members) for a dynamic group, which shows none of them, or an unknown action."""
    if group.kind == GroupKind.DYNAMIC:
        return ""
    action = GroupMembersForm.REMOVE if form.data.get("remove_one") else form.data.get("action")
    return action if action in {GroupMembersForm.ADD, GroupMembersForm.PASTE, GroupMembersForm.REMOVE} else ""


def _rule_lines(rule: dict) -> list[tuple[str, str]]:
    """A dynamic group's rule in words: (attribute, its values joined with "or"), attributes all to match."""
    lines = [(RULE_LABELS[name], " or ".join(values)) for name, values in rule.items() if name in RULE_LABELS]
    if "is_active" in rule:
        statuses = " or ".join("enabled" if value else "disabled" for value in rule["is_active"])
        lines.append(("Account status", statuses))
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _was(number: int) -> str:
    return "was" if number == 1 else "were"


def _members_left(members: int) -> str:
    if not members:
        return "it had no members."
    return f"its {_count(members, 'member')} left it."
