from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import rowload

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TrustedSender(models.Model):
    """A sender whose remote content (images, styles) a user always wants to see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_senders"
    )
    # Lower-cased address, as compared.
    email = models.CharField(_("address"), max_length=320)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trusted sender")
        constraints = [
            models.UniqueConstraint(fields=["user", "email"], name="unique_trusted_sender")
        ]

    def __str__(self) -> str:
        return f"{self.email} (trusted by {self.user})"

    @classmethod
    def trusts(cls, user: User, email: str) -> bool:
        email = email.strip().lower()
        # Asked on every message opened: a statement made once (accounts/rowload.py).
        return bool(email) and rowload.exists(cls, user=user.pk, email=email)

    @classmethod
    def add(cls, user: User, email: str) -> None:
        email = email.strip().lower()
        if email:
            cls.objects.get_or_create(user=user, email=email[:320])


class OutgoingMessage(models.Model):
    """A message sent with a delay (undo send), waiting in the outbox or being sent.

    The message itself is on disk (mailview/compose/outbox.py: the bytes to submit and the copy
    for Sent, next to the compose it came from) and as a draft in Drafts; this row holds who sends
    it, when, and how far it got. No credentials: the worker that sends it holds the user's
    secret in memory only (docs/security.md, "Undo send").
    """

    QUEUED = "queued"  # waiting for its due time; Undo still possible
    SENDING = "sending"  # claimed by a worker, SMTP under way
    SENT = "sent"  # the SMTP server accepted it: never submitted again
    DONE = "done"  # filed in Sent, draft deleted, files removed
    CANCELLED = "cancelled"  # undone
    FAILED = "failed"  # not sent (the draft is kept); the user is told
    STATES = [
        (QUEUED, _("waiting")),
        (SENDING, _("sending")),
        (SENT, _("sent")),
        (DONE, _("done")),
        (CANCELLED, _("undone")),
        (FAILED, _("failed")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outgoing_messages"
    )
    #: The public handle (URLs), random; the primary key is never shown.
    token = models.CharField(max_length=32, unique=True)
    compose_id = models.CharField(max_length=32)
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    due = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)
    #: Who holds it: a worker's random token and when it claimed (stale after the lease).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sender = models.CharField(max_length=320)
    #: Envelope recipients, one per line.
    recipients = models.TextField()
    #: Who it goes to, as shown in the notice ("Sending to Bob, Carol…").
    summary = models.CharField(max_length=300, blank=True)
    #: What the user is told when it failed (translated when it happened).
    error = models.TextField(blank=True)
    #: The user has seen the outcome (failed or sent) in a notice.
    reported = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("outgoing message")
        indexes = [models.Index(fields=["state", "due"], name="outgoing_state_due")]

    def __str__(self) -> str:
        return f"{self.token} ({self.state}) of {self.user}"

    def recipient_list(self) -> list[str]:
        return [line for line in self.recipients.splitlines() if line]
