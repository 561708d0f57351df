"""SMTP submission with the user's own credentials (smtplib), errors translated to ours.

Nothing is sent unless every recipient is accepted: RCPT refusals end the transaction with RSET
before DATA, so the user can correct an address and send again without anyone getting it twice.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.servers import MailServer
from mailview.compose.errors import (
    MessageTooBig,
    RecipientRefused,
    SendFailed,
    SMTPAuthFailed,
    SMTPTLSFailure,
    SMTPUnavailable,
)
from mailview.imap.bearer import bearer_token
from mailview.imap.protocol import sasl


def _connect(server: MailServer, timeout: float) -> smtplib.SMTP:
    local_hostname = "webmail.localhost"
    if server.security == "ssl":
        return smtplib.SMTP_SSL(
            server.host,
            server.port,
            local_hostname=local_hostname,
            timeout=timeout,
            context=server.ssl_context(),
        )
    client = smtplib.SMTP(server.host, server.port, local_hostname=local_hostname, timeout=timeout)
    try:
        if server.security == "starttls":
            client.ehlo()
            if not client.has_extn("starttls"):
                raise SMTPTLSFailure(f"{server}: no STARTTLS")
            client.starttls(context=server.ssl_context())
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def announced_size(server: MailServer, timeout: float) -> int | None:
    """The largest message the server takes (its EHLO SIZE, RFC 1870); 0 if it announces no
    limit, None if it cannot be asked."""
    try:
        client = _connect(server, timeout)
    except (OSError, smtplib.SMTPException, SendFailed):
        return None
    try:
        client.ehlo_or_helo_if_needed()
        value = client.esmtp_features.get("size", "").strip()
    except (OSError, smtplib.SMTPException):
        return None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return int(value) if value.isdigit() else 0


def submit(
    server: MailServer,
    login: str,
    password: str,
    envelope_from: str,
    recipients: Sequence[str],
    data: bytes,
    timeout: float | None = None,
) -> None:
    """Send ``data`` to ``recipients``; SendFailed (a subclass saying why) if it was not sent."""
    if not recipients:
        raise RecipientRefused("no recipients", user_message=_("Add at least one recipient."))
    timeout = timeout or settings.WEBMAIL_SMTP_TIMEOUT
    try:
        client = _connect(server, timeout)
    except ssl.SSLCertVerificationError as exc:
        raise SMTPTLSFailure(f"{server}: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise SMTPTLSFailure(f"{server}: {exc}") from None
    except TimeoutError:
        raise SMTPUnavailable(f"{server}: timeout") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SMTPUnavailable(f"{server}: {exc}") from None
    try:
        _transaction(client, server, login, password, envelope_from, recipients, data)
    except SendFailed:
        raise
    except smtplib.SMTPAuthenticationError:
        raise SMTPAuthFailed(f"{server}: authentication refused") from None
    except smtplib.SMTPSenderRefused as exc:
        if exc.smtp_code == 552:
            raise MessageTooBig(f"{server}: {exc.smtp_error!r}") from None
        raise SendFailed(
            f"{server}: sender refused {exc.smtp_code}",
            user_message=_("The outgoing mail server refused the sender address: %(reply)s")
            % {"reply": _reply(exc.smtp_error)},
        ) from None
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code == 552:
            raise MessageTooBig(f"{server}: {exc.smtp_error!r}") from None
        raise SendFailed(
            f"{server}: data refused {exc.smtp_code}",
            user_message=_("The outgoing mail server refused the message: %(reply)s")
            % {"reply": _reply(exc.smtp_error)},
        ) from None
    except TimeoutError:
        raise SMTPUnavailable(f"{server}: timeout during the transaction") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SMTPUnavailable(f"{server}: {type(exc).__name__}: {exc}") from None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _transaction(
    client: smtplib.SMTP,
    server: MailServer,
    login: str,
    password: str,
    envelope_from: str,
    recipients: Sequence[str],
    data: bytes,
) -> None:
    client.ehlo_or_helo_if_needed()
    token = bearer_token(password)
    if token is not None:
        _authenticate_oauth(client, server, login, token)
    elif client.has_extn("auth"):
        client.login(login, password)
    options = []
    if client.has_extn("size"):
        options.append(f"SIZE={len(data)}")
    if client.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    code, reply = client.mail(envelope_from, options)
    if code != 250:
        client.rset()
        raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
    refused: dict[str, str] = {}
    for rcpt in recipients:
        code, reply = client.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = _reply(reply)
    if refused:
        client.rset()
        listed = "; ".join(f"{addr} ({reply})" for addr, reply in refused.items())
        raise RecipientRefused(
            f"{server}: refused {sorted(refused)}",
            user_message=_("The outgoing mail server refused %(list)s. Nothing was sent.")
            % {"list": listed},
        )
    code, reply = client.data(data)
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def _authenticate_oauth(client: smtplib.SMTP, server: MailServer, login: str, token: str) -> None:
    """AUTH OAUTHBEARER, else XOAUTH2, with the initial response (RFC 4954)."""
    offered = {f"AUTH={m.upper()}" for m in client.esmtp_features.get("auth", "").split()}
    mechanism = sasl.oauth_mechanism(offered)
    if mechanism is None:
        raise SMTPAuthFailed(f"{server}: no OAuth 2.0 mechanism offered")
    try:
        message = sasl.oauth_message(mechanism, login, token).decode("ascii")
    except UnicodeDecodeError:
        raise SMTPAuthFailed(f"{server}: a login that SMTP OAuth cannot carry") from None
    replies = iter([message])

    def answer(challenge: bytes | None = None) -> str:
        # After the message, a 334 carries the server's error status: answer as the mechanism
        # wants so that the server ends with 535.
        return next(replies, "\x01" if mechanism == "OAUTHBEARER" else "")

    client.auth(mechanism, answer, initial_response_ok=True)


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:300]
