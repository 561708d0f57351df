"""Single sign-on set-up in the admin (the client secret is write-only and sealed), and the
mail server's say on whose token opens which mailbox."""

from __future__ import annotations

import pytest

from accounts.models import Domain, OIDCProvider
from accounts.sso.client import SSOError
from accounts.sso.flow import sign_in
from accounts.sso.providers import provider_for_domain
from tests.support.idp import configure_sso_domain, provider_tokens, register_client


@pytest.fixture
def domain(db):
    return Domain.objects.create(
        name="sso.test", imap_host="127.0.0.1", imap_port=993, imap_security="ssl"
    )


def form_data(domain, **extra):
    return {
        "domain": str(domain.pk),
        "name": "Keycloak",
        "issuer": "https://id.sso.test/realms/mail",
        "client_id": "webmail",
        "scopes": "openid email profile",
        "login_claim": "email",
        "password_login": "on",
        "end_provider_session": "on",
        **extra,
    }


def test_the_client_secret_is_sealed_and_never_shown_again(admin_client, domain):
    response = admin_client.post(
        "/admin/accounts/oidcprovider/add/", form_data(domain, client_secret="s3cr3t-value")
    )
    assert response.status_code == 302, response.content[:2000]
    row = OIDCProvider.objects.get(domain=domain)
    assert "s3cr3t-value" not in row.client_secret_sealed
    assert provider_for_domain("sso.test").client_secret == "s3cr3t-value"
    page = admin_client.get(f"/admin/accounts/oidcprovider/{row.pk}/change/")
    assert page.status_code == 200
    assert b"s3cr3t-value" not in page.content
    # Saving without typing it again keeps it.
    admin_client.post(f"/admin/accounts/oidcprovider/{row.pk}/change/", form_data(domain))
    assert provider_for_domain("sso.test").client_secret == "s3cr3t-value"


def test_a_plain_http_issuer_is_refused_unless_loopback(admin_client, domain):
    response = admin_client.post(
        "/admin/accounts/oidcprovider/add/",
        form_data(domain, issuer="http://id.sso.test/realms/mail"),
    )
    assert response.status_code == 200
    assert b"The issuer must be an https:// URL." in response.content
    assert not OIDCProvider.objects.exists()


def test_scopes_without_openid_are_refused(admin_client, domain):
    response = admin_client.post(
        "/admin/accounts/oidcprovider/add/", form_data(domain, scopes="email")
    )
    assert b"The scopes must include" in response.content


@pytest.mark.django_db
def test_bobs_token_never_opens_alices_mailbox(
    identity_provider, oauth_dovecot, sso_user_factory, settings
):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    configure_sso_domain(identity_provider, oauth_dovecot)
    alice, bob = sso_user_factory("alice"), sso_user_factory("bob")
    client = register_client(identity_provider, "http://127.0.0.1:9/cb/")
    bobs_token = provider_tokens(identity_provider, bob, client)["access_token"]
    with pytest.raises(SSOError) as caught:
        sign_in(alice.login, bobs_token)
    assert str(caught.value.user_message) == (
        "The mail server did not accept your sign-in. Ask your administrator."
    )
    assert sign_in(bob.login, bobs_token).get_username() == bob.login
