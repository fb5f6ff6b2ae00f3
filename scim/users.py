"""A user as a SCIM User resource with the enterprise extension (README, "Provisioning with SCIM"), and back.

userName is the identity provider's name of the user, any string; when it, or else the primary (or work) email, is
a valid address, that address is the user's email. displayName and name.formatted (or else the given and family
names) are both the display name; title is the job title; the enterprise extension's department the department;
the work address's country the usage location; active whether the account is enabled. Everything else a provider
sends is accepted and ignored.
"""

from typing import Any

from scim2_models import Address, Email, EnterpriseUser, Meta, Name
from scim2_models import User as ScimUserBase

from accounts.emails import email_valid, normalize_email
from accounts.models import User
from accounts.selectors import user_version

from .http import etag, listed_meta


class AnyEmail(Email):
    """An email as sent: scim2-models' own refuses special-use domains (`corp.local`, `contoso.test`), which
    directories hold; accounts.emails decides which addresses are valid, as for every other entry point."""

    value: str | None = None


class ScimUser(ScimUserBase[EnterpriseUser]):
    emails: list[AnyEmail] | None = None


def user_resource(user: User, location: str) -> ScimUser:
    resource = ScimUser(
        id=str(user.pk),
        external_id=user.external_id or None,
        user_name=user.identity,
        display_name=user.display_name or None,
        name=Name(formatted=user.display_name) if user.display_name else None,
        title=user.job_title or None,
        active=user.is_active,
        emails=[AnyEmail(value=user.email, type=Email.Type.work)] if user.email else None,
        addresses=[Address(country=user.usage_location, type=Address.Type.work)] if user.usage_location else None,
        meta=Meta(
            resource_type="User",
            created=user.created_at,
            last_modified=user.updated_at,
            location=location,
            version=etag(user_version(user)),
        ),
    )
    if user.department:
        resource[EnterpriseUser] = EnterpriseUser(department=user.department)
    return resource


def user_listed(user: User, location: str) -> dict[str, Any]:
    """What `user_resource(user, location).model_dump(scim_ctx=Context.SEARCH_RESPONSE)` gives, written out: same
    keys in the same order, empty values left out the same way. Building and dumping the model costs about 0.3 ms a
    user, three quarters of the CPU of a list's page of 100; the library stays the definition of a user, and
    tests/scim/test_list_dumps.py holds the two equal for every kind of user."""
    listed: dict[str, Any] = {
        "schemas": [ScimUser.__schema__, EnterpriseUser.__schema__] if user.department else [ScimUser.__schema__],
        "id": str(user.pk),
    }
    if user.external_id:
        listed["externalId"] = user.external_id
    listed["meta"] = listed_meta("User", user.created_at, user.updated_at, location, etag(user_version(user)))
    listed["userName"] = user.identity
    if user.display_name:
        listed["name"] = {"formatted": user.display_name}
        listed["displayName"] = user.display_name
    if user.job_title:
        listed["title"] = user.job_title
    listed["active"] = user.is_active
    if user.email:
        listed["emails"] = [{"value": user.email, "type": Email.Type.work.value}]
    if user.usage_location:
        listed["addresses"] = [{"country": user.usage_location, "type": Address.Type.work.value}]
    if user.department:
        listed[EnterpriseUser.__schema__] = {"department": user.department}
    return listed


def user_fields(resource: ScimUser, *, before: ScimUser | None = None) -> dict[str, Any]:
    """The user's fields (those of accounts.services.users.user_create) that `resource` says. After a PATCH,
    `before` is the resource it patched: of two attributes that both say the display name, the one it changed
    wins."""
    user_name = (resource.user_name or "").strip()
    enterprise = resource[EnterpriseUser]
    return {
        "user_name": user_name,
        "email": _email_of(user_name, resource.emails or []),
        "external_id": resource.external_id or "",
        "display_name": _display_name(resource, before),
        "job_title": resource.title or "",
        "department": (enterprise.department if enterprise else None) or "",
        "usage_location": _work_value(resource.addresses or [], "country").upper(),
        "is_active": resource.active if resource.active is not None else before is None or bool(before.active),
    }


def changed_fields(user: User, fields: dict[str, Any]) -> dict[str, Any]:
    """Of `fields`, those that differ from the user's, so that a user named by their email alone keeps no user name
    unless the provider sends another one."""
    current = {name: getattr(user, name) for name in fields} | {"user_name": user.identity}
    return {name: value for name, value in fields.items() if value != current[name]}


def _email_of(user_name: str, emails: list[AnyEmail]) -> str | None:
    candidates = [user_name, *(email.value for email in sorted(emails, key=_email_rank) if email.value)]
    return next((address for address in map(normalize_email, candidates) if address and email_valid(address)), None)


def _email_rank(email: AnyEmail) -> int:
    """The primary email first, then the work one, then the others."""
    return 0 if email.primary else 1 if email.type == Email.Type.work else 2


def _display_name(resource: ScimUser, before: ScimUser | None) -> str:
    display_name = resource.display_name or ""
    formatted = _formatted(resource)
    if before is not None and resource.display_name == before.display_name and formatted != _formatted(before):
        return formatted  # the patch changed only the name (the two were equal before)
    return display_name or formatted if before is None else display_name


def _formatted(resource: ScimUser) -> str:
    name = resource.name or Name()
    return name.formatted or " ".join(part for part in (name.given_name, name.family_name) if part)


def _work_value(values: list[Address], attribute: str) -> str:
    work = [value for value in values if value.type == Address.Type.work] or values[:1]
    return (getattr(work[0], attribute) if work else None) or ""
