"""One identity per email address: the normal form in which emails are stored and looked up, and the check that
an address has one.

Domains follow IDNA 2008 with the UTS #46 mapping (the `idna` package, as browsers resolve names): a Unicode
domain becomes its ASCII "punycode" form, so `admin@contosö.example` and `admin@xn--contos-1xa.example` are one
address. Python's own `idna` codec implements the older IDNA 2003, which maps `ß` to `ss` and allows symbols.
"""

import functools
import unicodedata

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def normalize_email(email: str | None) -> str:
    """Compatibility forms folded (NFKC: a full-width letter is its ASCII letter), the local part case-folded
    and the domain in its ASCII form, lower case. A domain that is no valid IDNA name is only case-folded: the
    address is then invalid (validate_email_domain), so no stored email has such a domain and a lookup finds none.
    """
    email = unicodedata.normalize("NFKC", (email or "").strip())
    local, at, domain = email.rpartition("@")
    if not at:
        return email.casefold()
    try:
        domain = _ascii_domain(domain)
    except idna.IDNAError:
        domain = domain.casefold()
    return f"{unicodedata.normalize('NFKC', local.casefold())}@{domain}"


def validate_email_domain(email: str) -> None:
    """Refuse an address whose domain is Unicode but no valid IDNA name (`a@☃.example`): it has no ASCII form.
    ASCII domains are left to Django's EmailValidator, which also allows domain literals such as `[127.0.0.1]`."""
    _, at, domain = email.rpartition("@")
    if not at or domain.isascii():
        return
    try:
        _ascii_domain(domain)
    except idna.IDNAError as error:
        raise ValidationError(
            "Enter a valid email address: %(domain)s is not a valid internationalised domain name (%(reason)s).",
            code="invalid",
            params={"domain": domain, "reason": error},
        ) from error


def email_valid(email: str) -> bool:
    """Is this (normalised) address one the User model accepts as an email?"""
    try:
        validate_email(email)
        validate_email_domain(email)
    except ValidationError:
        return False
    return True


def email_search_form(fragment: str) -> str:
    """A search fragment as it appears in stored emails, so that a Unicode domain finds its ASCII form. Labels
    are converted one by one, and only whole labels can be (punycode encodes a label as a whole)."""
    fragment = unicodedata.normalize("NFKC", fragment).casefold()
    if fragment.isascii():
        return fragment
    local, at, domain = fragment.rpartition("@")
    return local + at + ".".join(_ascii_label(label) for label in domain.split("."))


# An import of 10,000 users has a handful of domains: encoding each once saved a fifth of the import's time.
@functools.lru_cache(maxsize=1024)
def _ascii_domain(domain: str) -> str:
    return idna.encode(domain, uts46=True).decode("ascii")


def _ascii_label(label: str) -> str:
    try:
        return _ascii_domain(label)
    except idna.IDNAError:
        return label
