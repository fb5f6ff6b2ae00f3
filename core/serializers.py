"""Serializer parts every app's API shares."""

import datetime


def iso_datetime(value: datetime.datetime | None) -> str | None:
    """An aware time as every API writes it: ISO 8601 in UTC, the offset written `Z` (DRF's DateTimeField under the
    project's TIME_ZONE, Graph's and SCIM's format). DRF looks up and converts to the current time zone for every
    value, several times the cost, which a page of users with their licenses pays a few hundred times."""
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return f"{text[:-6]}Z"


class SharedRepresentation:
    """For the brief of an object that many items of one answer point at (a page of users' licenses point at a few
    pools' products and subscriptions, built once by core.rows.SharedRelated): represented once per object and
    serializer class, and the same dict used in every place, instead of DRF walking its fields again each time.
    The dict is kept on the instance, which lives no longer than the request that read it."""

    def to_representation(self, instance):
        key = f"_represented_{type(self).__qualname__}"
        represented = instance.__dict__.get(key)
        if represented is None:
            represented = instance.__dict__[key] = super().to_representation(instance)
        return represented
