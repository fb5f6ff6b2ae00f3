"""Database ids in input: a whole number from 1 to MAX_ID, refused as a validation error otherwise, never queried."""

import django_filters
from django import forms
from rest_framework import serializers

# Database ids are signed 64-bit integers.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


def id_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text)
