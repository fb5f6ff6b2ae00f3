"""Microsoft's own Python client, msgraph-sdk, against a live server: a script written for Microsoft 365 runs
with nothing changed but the base URL and the token (README, "Microsoft Graph compatibility").

The SDK is asynchronous, its HTTP client bound to one event loop: a test runs each call to completion on its own
loop (`run`), so the test's own ORM calls stay outside any running loop. The live server needs committed data:
the organisation is built in a transactional test."""

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator
from kiota_abstractions.authentication.base_bearer_token_authentication_provider import (
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core.tasks.page_iterator import PageIterator

from accounts.services.tokens import api_token_create
from core.audit import SYSTEM
from core.models import AuditEvent
from licensing.services.assignments import user_licenses_change
from tests.factories import UserFactory
from tests.world import Org, org_build

# The live server listens on 127.0.0.1 (not "localhost", which may resolve to ::1 first).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


class StaticToken(AccessTokenProvider):
    """The admin center's API token, for the live server's host only."""

    def __init__(self, token: str, host: str) -> None:
        self.token = token
        self.hosts = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri: str, additional_authentication_context=None) -> str:
        return self.token if self.hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self.hosts


@pytest.fixture
def org(transactional_db) -> Org:
    return org_build()


@pytest.fixture
def run():
    """`run(coroutine)`: its result, on an event loop of its own thread (Playwright's sync API keeps a loop running
    in the main thread for the whole session once a browser test has run)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        loop = thread.submit(asyncio.new_event_loop).result()
        yield lambda coroutine: thread.submit(loop.run_until_complete, coroutine).result()
        thread.submit(loop.close).result()


@pytest.fixture
def sdk(org, live_server):
    """A GraphServiceClient of the Global Administrator, whose adapter's base_url is the live server's."""
    _, token = api_token_create(user=org.users["global_admin"], name="msgraph-sdk", by=SYSTEM)
    adapter = GraphRequestAdapter(
        BaseBearerTokenAuthenticationProvider(StaticToken(token, urlsplit(live_server.url).hostname))
    )
    adapter.base_url = f"{live_server.url}/graph/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def test_list_skus(org, sdk, run):
    skus = run(sdk.subscribed_skus.get()).value
    e3 = next(sku for sku in skus if sku.sku_part_number == "OFFICESERIES_E3")
    assert e3.sku_id == org.e3.sku_id
    assert e3.consumed_units == 2 and e3.prepaid_units.enabled == 27
    assert {plan.service_plan_name for plan in e3.service_plans} >= {"EXCHANGE_S_ENTERPRISE", "TEAMS1"}


def test_page_users_filtered_by_a_sku(org, sdk, run):
    for user in UserFactory.create_batch(4):
        user_licenses_change(by=SYSTEM, user=user, subscription=org.s, add=[org.e3])
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        filter=f"assignedLicenses/any(x:x/skuId eq {org.e3.sku_id})",
        select=["id", "displayName", "assignedLicenses"],
        top=2,
        count=True,
    )
    config = RequestConfiguration(query_parameters=query)
    config.headers.add("ConsistencyLevel", "eventual")

    async def every_user() -> tuple[int, list]:
        first = await sdk.users.get(request_configuration=config)
        seen = []
        iterator = PageIterator(first, sdk.request_adapter, error_mapping={"XXX": ODataError})
        await iterator.iterate(lambda user: seen.append(user) or True)
        return first.odata_count, seen

    count, users = run(every_user())
    assert count == 5  # Alex and the four
    assert len(users) == len({user.id for user in users}) == 5
    assert all(user.assigned_licenses[0].sku_id == org.e3.sku_id for user in users)
    assert isinstance(users[0].display_name, str)


def test_assign_with_a_disabled_plan_and_remove(org, sdk, run):
    teams = org.plans["TEAMS1"].service_plan_id
    adele = sdk.users.by_user_id("adele.vance@contoso.test")
    body = AssignLicensePostRequestBody(
        add_licenses=[AssignedLicense(sku_id=org.e5.sku_id, disabled_plans=[teams])], remove_licenses=[]
    )
    user = run(adele.assign_license.post(body))
    assert [(license.sku_id, license.disabled_plans) for license in user.assigned_licenses] == [
        (org.e5.sku_id, [teams])
    ]
    details = run(adele.license_details.get()).value
    assert {plan.service_plan_name: plan.provisioning_status for plan in details[0].service_plans}["TEAMS1"] == (
        "Disabled"
    )
    assert AuditEvent.objects.filter(subject_user=org.adele, source="graph", action="license_assigned").exists()

    body = AssignLicensePostRequestBody(add_licenses=[], remove_licenses=[org.e5.sku_id])
    assert run(adele.assign_license.post(body)).assigned_licenses == []
    assert org.pool(org.pool_e5).assigned == 0


def test_graphs_errors_reach_the_sdk(org, sdk, run):
    body = AssignLicensePostRequestBody(add_licenses=[AssignedLicense(sku_id=org.visio.sku_id)], remove_licenses=[])
    with pytest.raises(ODataError) as refused:
        run(sdk.users.by_user_id(str(org.adele.public_id)).assign_license.post(body))
    assert refused.value.response_status_code == 400
    assert refused.value.error.code == "Request_BadRequest"
    assert (
        refused.value.error.message == f"Subscription with SKU {org.visio.sku_id} does not have any available licenses."
    )
    with pytest.raises(ODataError) as missing:
        run(sdk.users.by_user_id(str(uuid.uuid4())).get())
    assert missing.value.error.code == "Request_ResourceNotFound"


def test_me_and_groups(org, sdk, run):
    assert run(sdk.me.get()).user_principal_name == org.users["global_admin"].email
    assert run(sdk.groups.get()).value == []
