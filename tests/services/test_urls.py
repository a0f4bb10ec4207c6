"""Address and URL rules for outbound connections, without any network."""

import ipaddress

import pytest

from escalq.integrations.http import Network
from escalq.services.urls import Reach, UnsafeUrl, embedded_ipv4, is_public, target
from tests.background.test_ssrf import AMBIGUOUS, TRANSITION_FORMS

PUBLIC_FORMS = [
    "8.8.8.8",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "2001:0:808:808::f7f7:f7f7",  # Teredo: server 8.8.8.8, client 8.8.8.8
]
PRIVATE_FORMS = ["127.0.0.1", "10.1.2.3", "169.254.169.254", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1"]


@pytest.mark.parametrize("form", [*TRANSITION_FORMS, *PRIVATE_FORMS])
def test_internal_addresses_are_not_public(form):
    assert not is_public(ipaddress.ip_address(form))


@pytest.mark.parametrize("form", PUBLIC_FORMS)
def test_public_addresses_in_any_form_are_public(form):
    assert is_public(ipaddress.ip_address(form))


@pytest.mark.parametrize(
    ("form", "inside"),
    [
        ("::7f00:1", ["127.0.0.1"]),
        ("::ffff:0:7f00:1", ["127.0.0.1"]),
        ("64:ff9b::a9fe:a9fe", ["169.254.169.254"]),
        ("2002:7f00:1::", ["127.0.0.1"]),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", ["65.54.227.120", "127.0.0.1"]),
        ("2606:4700::1111", []),
    ],
)
def test_the_ipv4_inside_a_transition_form(form, inside):
    assert [str(a) for a in embedded_ipv4(ipaddress.IPv6Address(form))] == inside


@pytest.mark.parametrize("url", AMBIGUOUS)
def test_ambiguous_urls_are_refused(url):
    with pytest.raises(UnsafeUrl) as refused:
        target(url, field="ESCALQ_SLACK_WEBHOOK_URL")

    assert refused.value.field == "ESCALQ_SLACK_WEBHOOK_URL"


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://Hooks.Example.com/x?y=1", "hooks.example.com", 443),
        ("http://hooks.example.com:8080", "hooks.example.com", 8080),
        ("http://[2606:4700::1111]:81/", "2606:4700::1111", 81),
        ("https://bücher.example/hook", "bücher.example", 443),
        ("https://hooks.example.com./", "hooks.example.com.", 443),
    ],
)
def test_plain_urls_lead_where_they_say(url, host, port):
    where = target(url)

    assert (where.host, where.port) == (host, port)


def test_a_private_network_the_operator_lists_is_reachable_in_every_form():
    reach = Reach(private_networks=(ipaddress.ip_network("10.0.5.0/24"), ipaddress.ip_network("::1/128")))

    assert reach.may_reach(ipaddress.ip_address("10.0.5.7"))
    assert reach.may_reach(ipaddress.ip_address("::ffff:10.0.5.7"))
    assert reach.may_reach(ipaddress.ip_address("::1"))
    assert reach.may_reach(ipaddress.ip_address("8.8.8.8"))
    assert not reach.may_reach(ipaddress.ip_address("10.0.6.1"))
    assert not reach.may_reach(ipaddress.ip_address("127.0.0.1"))
    assert not Reach().may_reach(ipaddress.ip_address("10.0.5.7"))
    assert Reach(allow_private=True).may_reach(ipaddress.ip_address("169.254.169.254"))


def test_every_address_of_a_name_is_checked():
    def resolve(host, port):
        return [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")]

    reach = Reach(network=Network(resolve=resolve))

    with pytest.raises(UnsafeUrl, match=r"\(10\.0\.0\.1\)"):
        reach.addresses("mixed.example.test", 443)
