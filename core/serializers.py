"""Serializer parts every app's API shares."""


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
