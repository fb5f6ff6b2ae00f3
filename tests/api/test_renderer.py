"""The API's JSON is written by orjson (drf-orjson-renderer, README "Performance"): byte for byte what DRF's own
renderer writes, lists, errors and Graph's resources included."""

import pytest
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework.renderers import JSONRenderer

from tests.factories import GroupFactory


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/users/?subscription={s}", None),
        ("get", "/api/v1/users/{alex}/", None),
        ("get", "/api/v1/subscriptions/{s}/", None),
        ("get", "/api/v1/pools/", None),
        ("get", "/api/v1/assignments/?subscription={s}", None),
        ("get", "/api/v1/audit-events/", None),
        ("get", "/graph/v1.0/users?$count=true", None),
        ("get", "/graph/v1.0/subscribedSkus", None),
        ("get", "/api/v1/users/?subscription=999999", None),  # an error
        # A list's validation error is keyed by the item's index, an integer DRF's renderer writes as "0".
        ("post", "/api/v1/groups/{group}/members/", {"add": [True]}),
    ],
)
def test_the_json_is_what_drfs_renderer_writes(client_as, org, method, path, body):
    ids = {"s": org.s.pk, "alex": org.alex.pk, "group": GroupFactory().pk}
    client = client_as("global_admin")
    response = getattr(client, method)(path.format(**ids), body, format="json")
    assert isinstance(response.accepted_renderer, ORJSONRenderer)
    assert response.content == JSONRenderer().render(response.data), response.content
