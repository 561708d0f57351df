"""Single sign-on with OpenID Connect: the login, its refusals, tokens in place of the
password, refresh, logout. Against the development provider and a Dovecot that checks the
tokens (tests/support/idp.py)."""

from __future__ import annotations

import html
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client

from accounts.credentials import SESSION_FIELD, TOKENS_FIELD
from tests.support.dovecot import logged
from tests.support.idp import configure_sso_domain, issued_tokens, sign_in_at_provider
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sso(identity_provider, oauth_dovecot, settings):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    return configure_sso_domain(identity_provider, oauth_dovecot)


def start(client: Client, **query: str):
    response = client.get("/accounts/login/sso/", query)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sso_login(client: Client, idp, user) -> str:
    """The whole sign-in; where the webmail sends the browser at the end."""
    authorize = start(client, login=user.login)
    back = sign_in_at_provider(idp, user, authorize)
    response = client.get(back)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def dump_database() -> str:
    """Every row of every table, as text (what a stolen database would show)."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def test_a_user_of_the_domain_signs_in_and_reads_mail_with_the_token_only(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    alice.mail.append("INBOX", make_message(subject="Welcome via SSO"))
    client = Client()
    assert sso_login(client, identity_provider, alice) == "/"
    page = client.get("/mail/INBOX/")
    assert page.status_code == 200
    assert b"Welcome via SSO" in page.content
    assert client.session.get(TOKENS_FIELD)
    assert logged(alice.mail.dovecot, f"user=<{alice.login}>, method=OAUTHBEARER")


def test_the_address_typed_on_the_login_page_leads_to_its_provider(sso, sso_user_factory):
    alice = sso_user_factory("alice")
    client = Client()
    page = client.get("/accounts/login/")
    assert b"Sign in with Dev IdP" in page.content
    response = client.post("/accounts/login/", {"username": alice.login, "password": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/sso/?")
    to_provider = client.get(response["Location"])
    query = parse_qs(urlsplit(to_provider["Location"]).query)
    assert query["login_hint"] == [alice.login]
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] and query["state"]


def test_a_domain_without_passwords_sends_a_password_login_to_the_provider(
    identity_provider, oauth_dovecot, sso_user_factory, settings
):
    configure_sso_domain(identity_provider, oauth_dovecot, password_login=False)
    alice = sso_user_factory("alice")
    response = Client().post(
        "/accounts/login/", {"username": alice.login, "password": alice.mail.password}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/sso/?")


def test_a_state_that_does_not_match_is_refused_with_a_clear_message(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = Client()
    back = sign_in_at_provider(identity_provider, alice, start(client, login=alice.login))
    forged = back.replace("state=", "state=x")
    response = client.get(forged)
    assert response["Location"] == "/accounts/login/"
    assert flash(response) == [
        "The sign-in answer does not belong to this browser's request. Please start again."
    ]
    assert "_auth_user_id" not in client.session


def test_an_answer_without_a_sign_in_started_here_is_refused(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    back = sign_in_at_provider(identity_provider, alice, start(Client(), login=alice.login))
    other_browser = Client()
    response = other_browser.get(back)
    assert flash(response) == [
        "This sign-in has expired or was started elsewhere. Please start again."
    ]
    assert "_auth_user_id" not in other_browser.session


def test_a_sign_in_started_meanwhile_in_the_same_browser_does_not_void_the_first(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = Client()
    first = start(client, login=alice.login)
    start(client, login=alice.login)  # another tab, or a second request of the page
    response = client.get(sign_in_at_provider(identity_provider, alice, first))
    assert response["Location"] == "/"
    assert client.get("/mail/INBOX/").status_code == 200


def test_a_provider_error_is_named(sso):
    client = Client()
    authorize = start(client, domain="example.org")
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    response = client.get(
        "/accounts/login/sso/callback/", {"state": state, "error": "access_denied<script>"}
    )
    assert flash(response) == ["The sign-in provider did not sign you in (access_deniedscript)."]


def test_a_login_claim_outside_the_domain_is_refused(
    sso, identity_provider, oauth_dovecot, sso_user_factory
):
    from tests.support.idp import SSOUser

    alice = sso_user_factory("alice")
    # At the provider, the user's address is in another domain.
    identity_provider.add_user(alice.login, alice.idp_password, email="alice@elsewhere.test")
    client = Client()
    authorize = start(client, domain="example.org")
    response = client.get(sign_in_at_provider(identity_provider, alice, authorize))
    assert flash(response) == [
        "Your account at the sign-in provider is not an account of example.org."
    ]
    assert isinstance(alice, SSOUser)


def test_nothing_secret_reaches_the_database_or_the_logs(
    sso, identity_provider, sso_user_factory, caplog
):
    caplog.set_level(logging.DEBUG)
    alice = sso_user_factory("alice")
    client = Client()
    sso_login(client, identity_provider, alice)
    assert client.get("/mail/INBOX/").status_code == 200
    secrets = [
        *issued_tokens(identity_provider, alice.login),
        sso.client_secret,
        alice.idp_password,
    ]
    assert len(secrets) >= 4  # an access and a refresh token at least
    dump = dump_database()
    logs = caplog.text
    for secret in secrets:
        assert secret not in dump
        assert secret not in logs
    client.post("/accounts/logout/")
    dump = dump_database()
    for secret in secrets:
        assert secret not in dump


def test_logout_wipes_the_tokens_and_ends_the_provider_session(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = Client()
    sso_login(client, identity_provider, alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    end_url = re.search(r'content="0;url=([^"]+)"', response.content.decode())
    assert end_url is not None
    target = urlsplit(html.unescape(end_url.group(1)))
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == f"{identity_provider.issuer}/logout/"
    )
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"]
    assert SESSION_FIELD not in client.session and TOKENS_FIELD not in client.session
    assert client.get("/mail/INBOX/").status_code == 302


def test_the_access_token_is_refreshed_before_it_expires(
    identity_provider_factory, settings, sso_user_factory
):
    from tests.support.dovecot import make_dovecot_root
    from tests.support.idp import oauth_dovecot_for, sso_user

    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    idp = identity_provider_factory(access_seconds=4)
    server = oauth_dovecot_for(idp, make_dovecot_root())
    server.start()
    try:
        configure_sso_domain(idp, server)
        alice = sso_user(idp, server)
        client = Client()
        sso_login(client, idp, alice)
        first = client.session[TOKENS_FIELD]
        # Past half the lifetime, the next request refreshes (no wait for a fixed time).
        assert wait_until(
            lambda: (
                client.get("/mail/INBOX/").status_code == 200
                and client.session[TOKENS_FIELD] != first
            ),
            timeout=30,
        )
        # Well after the first token expired, new connections still log in.
        from mailview.imap import pool as pool_module

        assert pool_module._pool is not None
        pool_module._pool.close_login(alice.login)
        assert client.get("/mail/INBOX/").status_code == 200
        assert logged(server, f"user=<{alice.login}>, method=OAUTHBEARER", times=2)
    finally:
        server.stop()


def test_a_revoked_refresh_token_sends_the_user_back_through_the_provider_keeping_drafts(
    identity_provider_factory, settings, tmp_path
):
    from tests.support.compose import folder_messages
    from tests.support.compose import start as compose_start
    from tests.support.dovecot import make_dovecot_root
    from tests.support.idp import oauth_dovecot_for, sso_user

    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    settings.WEBMAIL_COMPOSE_DIR = str(tmp_path / "compose")
    idp = identity_provider_factory(access_seconds=4)
    server = oauth_dovecot_for(idp, make_dovecot_root())
    server.start()
    try:
        configure_sso_domain(idp, server)
        alice = sso_user(idp, server)
        client = Client()
        sso_login(client, idp, alice)
        compose_id = compose_start(client)
        saved = client.post(
            f"/compose/{compose_id}/save/",
            {"to": "bob@example.org", "subject": "Half-written", "body": "Dear Bob,"},
        )
        assert saved.status_code in (200, 302), saved.content[:500]
        idp.revoke_user(alice.login)
        # Once the token is due for refresh, the provider refuses: back through it.
        responses: list = []
        assert wait_until(
            lambda: (
                responses.append(client.get("/mail/INBOX/"))
                or responses[-1].status_code == 302
                and responses[-1]["Location"].startswith("/accounts/login/sso/?domain=example.org")
            ),
            timeout=30,
        )
        # The session ended; the login page (where a background request's failure leaves a
        # page) also sends the user back to the provider, until they are back.
        assert "_auth_user_id" not in client.session
        for _ in range(2):
            login_page = client.get("/accounts/login/", {"next": "/mail/INBOX/"})
            assert login_page["Location"] == (
                "/accounts/login/sso/?domain=example.org&next=%2Fmail%2FINBOX%2F"
            )
        again = client.get(login_page["Location"])
        assert urlsplit(again["Location"]).path == "/o/authorize/"
        back = sign_in_at_provider(idp, alice, again["Location"])
        assert client.get(back)["Location"] == "/mail/INBOX/"
        client.post("/accounts/logout/")
        assert client.get("/accounts/login/").status_code == 200  # the hint is gone
        drafts = folder_messages(alice.mail, "Drafts")
        assert [m["Subject"] for _uid, _flags, m in drafts] == ["Half-written"]
    finally:
        server.stop()


def test_ending_the_sessions_or_disabling_the_account_works_as_for_passwords(
    sso, identity_provider, sso_user_factory
):
    from accounts.models import MailAccount
    from accounts.sessions import end_sessions_of, set_account_enabled

    alice = sso_user_factory("alice")
    client = Client()
    sso_login(client, identity_provider, alice)
    assert client.get("/mail/INBOX/").status_code == 200
    assert end_sessions_of(alice.login) == 1
    assert client.get("/mail/INBOX/")["Location"].startswith("/accounts/login/")

    sso_login(client, identity_provider, alice)
    set_account_enabled(MailAccount.objects.get(login=alice.login), False)
    assert client.get("/mail/INBOX/")["Location"].startswith("/accounts/login/")
    again = Client()
    back = sign_in_at_provider(identity_provider, alice, start(again, login=alice.login))
    response = again.get(back)
    assert flash(response) == ["This account is disabled. Ask your administrator."]
    assert "_auth_user_id" not in again.session


def test_the_webmail_code_is_not_asked_again_unless_the_provider_setting_says_so(
    identity_provider, oauth_dovecot, sso_user_factory, settings
):
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import OIDCProvider

    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    configure_sso_domain(identity_provider, oauth_dovecot)
    alice = sso_user_factory("alice")
    user = get_user_model().objects.create(username=alice.login)
    user.set_unusable_password()
    user.save()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    # The provider's MFA counts: straight to the mailbox.
    assert sso_login(Client(), identity_provider, alice) == "/"
    OIDCProvider.objects.update(require_local_2fa=True)
    assert sso_login(Client(), identity_provider, alice) == "/accounts/login/code/"


def test_a_token_the_mail_server_refuses_before_its_refresh_also_leads_to_the_provider(
    sso, identity_provider, sso_user_factory
):
    from mailview.imap.pool import get_pool

    alice = sso_user_factory("alice")
    client = Client()
    sso_login(client, identity_provider, alice)
    identity_provider.revoke_user(alice.login)  # long-lived token, not due for refresh
    get_pool().close_login(alice.login)  # the next request must log in again
    response = client.get("/mail/INBOX/")
    assert response["Location"] == (
        "/accounts/login/sso/?domain=example.org&next=%2Fmail%2FINBOX%2F"
    )
    assert "_auth_user_id" not in client.session


# Where the login page sends alice back (her domain's provider, then the page she was on).
BACK_TO_THE_PROVIDER = "/accounts/login/sso/?domain=example.org&next=%2Fmail%2FDrafts%2F"


def _revoked_before_refresh(
    client: Client, identity_provider, alice, *, answer_lost: bool = False
) -> str:
    """Alice's token is revoked and the mail server refuses it: the next request (a page's
    background request) ends the session; where it sends the page. With `answer_lost`, its
    answer never reaches the browser (cancelled by the next page), which keeps its cookies."""
    from mailview.imap.pool import get_pool

    sso_login(client, identity_provider, alice)
    identity_provider.revoke_user(alice.login)
    get_pool().close_login(alice.login)
    kept = {name: morsel.value for name, morsel in client.cookies.items()}
    ended = client.get("/mail/INBOX/", {"pane": "1"}, headers={"Sec-Fetch-Mode": "cors"})
    if answer_lost:
        client.cookies.clear()
        for name, value in kept.items():
            client.cookies[name] = value
    return str(ended["Location"])


def test_a_background_request_sends_the_page_to_the_login_page_which_goes_to_the_provider(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = Client()
    # A fetch cannot follow the provider's site: it gets the login page, and the page's
    # script (lib/session.js) then takes the whole page there.
    ended = _revoked_before_refresh(client, identity_provider, alice)
    assert ended.startswith("/accounts/login/?next=")
    background = client.get("/accounts/login/", {"next": "/"}, headers={"Sec-Fetch-Mode": "cors"})
    assert background.status_code == 200
    navigation = client.get("/accounts/login/", {"next": "/mail/INBOX/"})
    assert navigation["Location"] == (
        "/accounts/login/sso/?domain=example.org&next=%2Fmail%2FINBOX%2F"
    )


def test_the_way_back_to_the_provider_survives_a_late_request_of_the_ended_session(
    sso, identity_provider, sso_user_factory, settings
):
    """A request of the page that was still running when the session ended finds its session
    gone and answers with a new, empty session cookie (SessionActivityMiddleware). The login
    page must still send the browser back through the provider, not ask for a password."""
    from importlib import import_module

    alice = sso_user_factory("alice")
    client = Client()
    _revoked_before_refresh(client, identity_provider, alice)
    late = import_module(settings.SESSION_ENGINE).SessionStore()
    late.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = late.session_key
    login_page = client.get("/accounts/login/", {"next": "/mail/Drafts/"})
    assert login_page["Location"] == BACK_TO_THE_PROVIDER


def test_the_way_back_to_the_provider_survives_an_answer_that_never_reached_the_browser(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = Client()
    _revoked_before_refresh(client, identity_provider, alice, answer_lost=True)
    page = client.get("/mail/Drafts/")
    assert page["Location"] == "/accounts/login/?next=/mail/Drafts/"
    login_page = client.get(page["Location"])
    assert login_page["Location"] == BACK_TO_THE_PROVIDER


def test_a_refused_sign_in_on_the_way_back_shows_why_instead_of_going_round_again(
    sso, identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = Client()
    _revoked_before_refresh(client, identity_provider, alice)
    authorize = start(client, domain="example.org")
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    refused = client.get("/accounts/login/sso/callback/", {"state": state, "error": "denied"})
    assert refused["Location"] == "/accounts/login/"
    login_page = client.get("/accounts/login/")
    assert login_page.status_code == 200
    assert "The sign-in provider did not sign you in (denied)." in login_page.content.decode()
