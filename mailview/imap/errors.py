"""The errors of the IMAP layer, each with a message fit to show a user.

Nothing outside mailview.imap sees ssl's, socket's or the protocol core's exceptions: the
drivers and the facade translate them into these. `refusal` classifies a server's NO or BAD:
by its response code first (RFC 5530), then by the known phrasings of Dovecot and Cyrus.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .protocol.responses import Status


class MailError(Exception):
    """Base of every mail-server problem. `user_message` is safe to show."""

    user_message: str | Promise = _("The mail server reported a problem.")
    status = 502

    def __init__(self, detail: str = "", *, user_message: str | Promise | None = None) -> None:
        super().__init__(detail or str(self.user_message))
        self.detail = detail
        if user_message is not None:
            self.user_message = user_message


class AuthenticationFailed(MailError):
    user_message = _("Wrong username or password.")
    status = 401


class ServerUnreachable(MailError):
    user_message = _("The mail server cannot be reached. It may be down; try again in a moment.")
    status = 503


class TLSFailure(MailError):
    user_message = _(
        "A secure connection to the mail server could not be established "
        "(its certificate could not be verified)."
    )
    status = 502


class LoginNotChecked(MailError):
    """The server refused a login for another reason than the password (RFC 5530 codes).

    Never a wrong password: not counted by login throttling, never a logout of a session.
    """

    status = 503


class LoginUnavailable(LoginNotChecked):
    user_message = _(
        "The mail server cannot check passwords at the moment. Try again in a few minutes."
    )


class LoginServerBug(LoginNotChecked):
    user_message = _(
        "The mail server had an internal error during the login. Try again later; if it "
        "persists, tell your administrator."
    )
    status = 502


class LoginLimit(LoginNotChecked):
    user_message = _(
        "Too many connections to your mailbox are open (this webmail and other mail apps "
        "together). Close some of them, wait a moment and try again."
    )


class LoginContactAdmin(LoginNotChecked):
    user_message = _("The mail server refused this login. Contact your administrator.")
    status = 403


class LoginExpired(LoginNotChecked):
    user_message = _(
        "Your password (or account) has expired. Renew it, or ask your administrator, "
        "then log in again."
    )
    status = 403


class LoginPrivacyRequired(LoginNotChecked):
    user_message = _(
        "The mail server accepts logins only over an encrypted connection. Ask your "
        "administrator to configure TLS for this server."
    )
    status = 403


class ServerTimeout(MailError):
    user_message = _("The mail server did not answer in time. Try again in a moment.")
    status = 504


class ConnectionDropped(MailError):
    user_message = _("The connection to the mail server was lost. Try again in a moment.")
    status = 503


class CommandFailed(MailError):
    """The server answered NO or BAD to a command; `response_code` its RFC 5530 code, if any."""

    user_message = _("The mail server refused the request.")
    status = 400
    response_code = ""


class FolderNotFound(CommandFailed):
    user_message = _("This folder does not exist (any more).")
    status = 404


class MessageNotFound(CommandFailed):
    user_message = _("This message does not exist (any more). It may have been moved or deleted.")
    status = 404


class NotPermitted(CommandFailed):
    """The user's rights (RFC 4314 ACL) do not allow it: [NOPERM], or a server's own phrasing."""

    user_message = _(
        "You do not have the right to do this in this folder: its owner has not given it to you."
    )
    status = 403


class InvalidName(MailError):
    """User input that cannot be sent to the server as a folder name."""

    user_message = _("This folder name is not valid.")
    status = 400


class PoolExhausted(MailError):
    user_message = _(
        "Too many requests to the mail server at once for this account. Try again in a moment."
    )
    status = 503


class CredentialsUnavailable(MailError):
    """The session no longer holds a usable password: the user must log in again."""

    user_message = _("Your session has expired. Please log in again.")
    status = 401


class ServerRefusedName(CommandFailed, InvalidName):
    """The server refused a folder name (e.g. Cyrus: ``NO Invalid mailbox name``)."""

    user_message = InvalidName.user_message
    status = 400


# Response codes (RFC 5530 and friends) that say the folder is not there.
MISSING_FOLDER_CODES = frozenset({"NONEXISTENT", "TRYCREATE"})
# Phrasings without a code: Dovecot "Mailbox doesn't exist: X", Cyrus "Mailbox does not exist".
_MISSING_FOLDER = re.compile(r"\b(?:doesn't|does not) exist|\bno such mailbox", re.IGNORECASE)
_BAD_NAME = re.compile(r"\binvalid mailbox name", re.IGNORECASE)
# Cyrus says "Permission denied" without a code.
_NOT_PERMITTED = re.compile(r"\bpermission denied\b", re.IGNORECASE)


def refusal(command: str, status: Status) -> CommandFailed:
    """The error for a NO or BAD answer to `command` (the connection itself is fine)."""
    error = _refusal(command, status)
    error.response_code = status.code.name if status.code is not None else ""
    return error


#: What a NO to LOGIN or AUTHENTICATE means, by its RFC 5530 code; any other code, or none, is
#: a wrong username or password.
LOGIN_REFUSALS: dict[str, type[LoginNotChecked]] = {
    "UNAVAILABLE": LoginUnavailable,
    "SERVERBUG": LoginServerBug,
    "LIMIT": LoginLimit,
    "CONTACTADMIN": LoginContactAdmin,
    "EXPIRED": LoginExpired,
    "PRIVACYREQUIRED": LoginPrivacyRequired,
}


def login_refusal(error: CommandFailed) -> MailError:
    """The error for a refused LOGIN/AUTHENTICATE: a wrong password, or why it was not checked."""
    kind = LOGIN_REFUSALS.get(error.response_code)
    if kind is None:
        return AuthenticationFailed(f"login refused: {error.detail}"[:300])
    return kind(error.detail)


def _refusal(command: str, status: Status) -> CommandFailed:
    text = f"{command}: {status}"[:300]
    code = status.code.name if status.code is not None else ""
    if code in MISSING_FOLDER_CODES:
        return FolderNotFound(text)
    if code == "NOPERM":
        return NotPermitted(text)
    if code in ("AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED", "PRIVACYREQUIRED"):
        return CommandFailed(text)
    if code == "" or code in ("CANNOT", "CLIENTBUG", "SERVERBUG", "UNAVAILABLE", "PARSE"):
        if _MISSING_FOLDER.search(status.text):
            return FolderNotFound(text)
        if _BAD_NAME.search(status.text):
            return ServerRefusedName(text)
        if _NOT_PERMITTED.search(status.text):
            return NotPermitted(text)
    return CommandFailed(text)
