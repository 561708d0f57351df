"""The errors of the ManageSieve client. They are the IMAP layer's error classes (same
`user_message`, same status), so views show them the way they show IMAP problems."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mailview.imap.errors import AuthenticationFailed, CommandFailed, MailError, ServerUnreachable

__all__ = [
    "AuthenticationFailed",
    "FiltersUnavailable",
    "MailError",
    "ScriptRejected",
    "ServerUnreachable",
    "SieveCommandFailed",
]


class FiltersUnavailable(ServerUnreachable):
    user_message = _(
        "The filter service (ManageSieve) of your mail server cannot be reached. "
        "Your filters are unchanged; try again in a moment."
    )


class SieveCommandFailed(CommandFailed):
    """NO to a ManageSieve command; `code` is the response code (e.g. NONEXISTENT, QUOTA)."""

    def __init__(
        self,
        detail: str = "",
        *,
        code: str = "",
        message: str = "",
        user_message: str | Promise | None = None,
    ) -> None:
        super().__init__(detail, user_message=user_message)
        self.code = code
        self.message = message


class ScriptRejected(SieveCommandFailed):
    """The server found errors in a script (PUTSCRIPT or CHECKSCRIPT); `message` lists them."""

    user_message = _("The mail server rejected the filter script.")
