"""The errors of writing and sending mail, each with a message fit to show a user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mailview.imap.errors import CommandFailed, MailError


class ComposeError(MailError):
    """Something the user wrote cannot be sent as it is."""

    user_message = _("The message cannot be sent as it is.")
    status = 400


class InvalidAddress(ComposeError):
    user_message = _("An address is not valid.")


class HeaderInjection(ComposeError):
    user_message = _("Line breaks are not allowed in this field.")


class SenderNotAllowed(ComposeError):
    """The From address is not one the login may send as (accounts.senders)."""

    user_message = _("You cannot send as this address.")
    status = 403


class AttachmentProblem(ComposeError):
    user_message = _("The attachment could not be added.")


class ComposeNotFound(ComposeError):
    user_message = _(
        "This message is no longer being written here (it was sent or discarded). "
        "Its last draft is in the Drafts folder."
    )
    status = 404


class SendFailed(MailError):
    """The SMTP server did not take the message. Nothing was sent."""

    user_message = _("The message could not be sent.")
    status = 502


class SMTPUnavailable(SendFailed):
    user_message = _(
        "The outgoing mail server cannot be reached. It may be down; try again in a moment."
    )
    status = 503


class SMTPTLSFailure(SendFailed):
    user_message = _(
        "A secure connection to the outgoing mail server could not be established "
        "(its certificate could not be verified)."
    )


class SMTPAuthFailed(SendFailed):
    user_message = _("The outgoing mail server did not accept your password.")
    status = 401


class RecipientRefused(SendFailed):
    user_message = _("The outgoing mail server refused a recipient.")
    status = 400


class MessageTooBig(SendFailed):
    user_message = _(
        "The message is too big for the outgoing mail server. Remove or shrink attachments."
    )
    status = 413


class DraftRefused(MailError):
    """The IMAP server refused to store the draft (APPEND answered NO). Nothing changed: the
    previous version is still in Drafts and what the user wrote is still in the form."""

    user_message = _(
        "The draft could not be saved: the mail server refused it. What you wrote is still here."
    )
    status = 507
    response_code = ""

    @classmethod
    def from_refusal(cls, exc: CommandFailed) -> DraftRefused:
        code = exc.response_code
        if code == "OVERQUOTA":
            message = _(
                "The draft could not be saved: your mailbox is full. What you wrote is still "
                "here; free some space (empty the Trash) or remove attachments, then save again."
            )
        elif code in ("TOOBIG", "LIMIT"):
            message = _(
                "The draft could not be saved: it is too large for the mail server. What you "
                "wrote is still here; remove or shrink attachments, then save again."
            )
        else:
            message = cls.user_message
        error = cls(exc.detail, user_message=message)
        error.response_code = code
        return error
