"""A dynamic group's rule: which users are its members (README, "Groups").

A rule maps user attributes to the values they may have: `{"department": ["Sales", "Marketing"],
"usage_location": ["US"]}` matches the users whose department is Sales or Marketing and whose usage location is US.
Values within an attribute are alternatives (OR), attributes are combined with AND, each compared for equality.
"""

from typing import Any

from django.db.models import Q

from core.errors import ValidationFailed

TEXT_ATTRIBUTES = ("department", "job_title", "usage_location")
VALUE_MAX = 100  # the longest of these user fields
RULE_ATTRIBUTES = (*TEXT_ATTRIBUTES, "is_active")


def rule_validated(rule: Any) -> dict[str, list]:
    """The rule in its stored form (attributes in RULE_ATTRIBUTES order, values without repeats, usage locations in
    upper case), or ValidationFailed: keys among RULE_ATTRIBUTES, each a non-empty list of values, is_active's
    booleans and the others' strings."""
    if not isinstance(rule, dict) or not rule:
        raise _invalid('A rule needs at least one attribute, e.g. {"department": ["Sales"]}.')
    unknown = sorted(set(rule) - set(RULE_ATTRIBUTES))
    if unknown:
        raise _invalid(f"Unknown rule attributes: {', '.join(unknown)}.", unknown=unknown)
    validated: dict[str, list] = {}
    for attribute in RULE_ATTRIBUTES:
        if attribute not in rule:
            continue
        values = rule[attribute]
        wanted_type = bool if attribute == "is_active" else str
        if not isinstance(values, list) or not values or not all(_fits(value, wanted_type) for value in values):
            kind = "true or false" if wanted_type is bool else f"text of at most {VALUE_MAX} characters"
            raise _invalid(f"{attribute}: a non-empty list of values ({kind}).", attribute=attribute)
        if attribute == "usage_location":
            values = [value.upper() for value in values]
        validated[attribute] = list(dict.fromkeys(values))
    return validated


def rule_filter(rule: dict[str, list]) -> Q:
    """The users a validated rule matches, as a filter of the User model."""
    return Q(*(Q(**{f"{attribute}__in": values}) for attribute, values in rule.items()))


def _fits(value: Any, wanted_type: type) -> bool:
    if type(value) is not wanted_type:
        return False
    return wanted_type is bool or (len(value) <= VALUE_MAX and "\x00" not in value)


def _invalid(message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(f"Not a valid rule: {message}", fields={"rule": [message]}, **details)
