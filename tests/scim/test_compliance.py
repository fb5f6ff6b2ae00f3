"""scim2-tester's checks of RFC 7643 / 7644 run against the endpoints in process: none may end in an error."""

import pytest
from django.core.wsgi import get_wsgi_application
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from tests.scim.conftest import token_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_scim2_tester_finds_no_error(org):
    client = WSGISCIMClient(
        get_wsgi_application(),
        base_url="http://testserver/scim/v2",
        headers={"Authorization": f"Bearer {token_of(org.users['global_admin'])}"},
    )

    results = check_server(client)

    failed = [result for result in results if result.status in (Status.ERROR, Status.CRITICAL)]
    for result in failed:
        print("FAILED", result.status, result.title, result.reason, str(result.data)[:300])
    assert results
    assert failed == []
