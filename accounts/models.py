from __future__ import annotations

import ssl
import zoneinfo
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def page_size_choices() -> list[tuple[int, str]]:
    return [(n, str(n)) for n in settings.WEBMAIL_PAGE_SIZES]


class Preferences(models.Model):
    """A mail user's settings. The password is never here: see accounts.credentials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # The interface language (issue 18): a code of settings.LANGUAGES; empty: the browser's
    # (Accept-Language), the default until the user chooses.
    language = models.CharField(_("language"), max_length=12, blank=True, default="")
    page_size = models.PositiveSmallIntegerField(_("messages per page"), default=50)
    # Reading and organizing mail (issue 3).
    prefer_html = models.BooleanField(_("show HTML rather than plain text"), default=True)
    remote_content = models.CharField(
        _("remote content"),
        max_length=8,
        choices=[("block", _("Block (ask each time)")), ("allow", _("Always load"))],
        default="block",
    )
    mark_read_on_open = models.BooleanField(_("mark messages read when opened"), default=True)
    delete_action = models.CharField(
        _("delete"),
        max_length=8,
        choices=[("trash", _("Move to Trash")), ("delete", _("Delete permanently"))],
        default="trash",
    )
    conversation_view = models.BooleanField(_("group messages into conversations"), default=False)
    # One settings area (issue 13): how times are written, and the colour scheme.
    clock = models.CharField(
        _("time format"),
        max_length=2,
        choices=[("24", _("24-hour (17:05)")), ("12", _("12-hour (5:05 PM)"))],
        default="24",
    )
    theme = models.CharField(
        _("colour scheme"),
        max_length=6,
        choices=[("system", _("As the system")), ("light", _("Light")), ("dark", _("Dark"))],
        default="system",
    )
    # The mail UI (issue 13).
    density = models.CharField(
        _("list density"),
        max_length=12,
        choices=[("comfortable", _("Comfortable")), ("compact", _("Compact"))],
        default="comfortable",
    )
    layout = models.CharField(
        _("reading pane"),
        max_length=5,
        choices=[
            ("right", _("Preview on the right")),
            ("below", _("Preview below the list")),
            ("none", _("No preview: messages open in their own page")),
        ],
        default="right",
    )
    # The splitter between the list and the preview: the list's share, in per cent, of the
    # width (preview right) or of the height (preview below). Saved when the user drags it.
    split_right = models.PositiveSmallIntegerField(_("list width (%)"), default=58)
    split_below = models.PositiveSmallIntegerField(_("list height (%)"), default=45)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"Preferences of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @classmethod
    def for_user(cls, user: User) -> Preferences:
        prefs, _created = cls.objects.get_or_create(user=user)
        return prefs

    @classmethod
    def of_request_user(cls, user: User) -> Preferences:
        """The settings of the user of a request: those loaded with the user when the backend
        did (accounts.backends.IMAPBackend.get_user, no query), else ``for_user``."""
        loaded = user._state.fields_cache.get("preferences")
        return loaded if isinstance(loaded, cls) else cls.for_user(user)


# -- writing mail (issue 4): identities, compose settings, address book ---------------------------


class Identity(models.Model):
    """A From address the user sends as, with its reply-to and signature."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email address"), max_length=254)
    reply_to = models.EmailField(_("reply-to address"), max_length=254, blank=True)
    signature_text = models.TextField(_("signature (plain text)"), blank=True)
    signature_html = models.TextField(_("signature (HTML)"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    # Where a copy of what is sent with this identity is kept (an IMAP folder name); empty:
    # the user's own Sent. A folder shared with the user where they have the insert right ("i")
    # makes a team mailbox: the support identity files its replies in the team's Sent.
    sent_folder = models.CharField(
        _("folder for sent messages"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Where a copy of each message sent as this identity is kept. Empty: your Sent "
            "folder. A folder shared with you can be chosen if you may add messages to it "
            "(a team's Sent folder)."
        ),
    )

    class Meta:
        ordering = ["-is_default", "email", "name", "pk"]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @classmethod
    def for_user(cls, user: User) -> list[Self]:
        """The user's identities, default first; a default one made from the login if none."""
        identities = list(cls.objects.filter(user=user))
        if not identities:
            login = user.get_username()
            domain = settings.WEBMAIL_DEFAULT_DOMAIN or "localhost"
            email = login if "@" in login else f"{login}@{domain}"
            identities = [cls.objects.create(user=user, email=email, is_default=True)]
        return identities


def undo_send_default() -> int:
    """The undo-send delay a user starts with (WEBMAIL_UNDO_SEND_DEFAULT, 5 seconds)."""
    return int(getattr(settings, "WEBMAIL_UNDO_SEND_DEFAULT", 5))


class ComposeSettings(models.Model):
    """How replies start: where the cursor and the signature go, and the default format."""

    POSITIONS = [("top", _("above the quoted text")), ("bottom", _("below the quoted text"))]
    FORMATS = [("text", _("plain text")), ("html", _("HTML"))]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compose_settings"
    )
    reply_position = models.CharField(
        _("when replying, start writing"), max_length=6, choices=POSITIONS, default="top"
    )
    signature_position = models.CharField(
        _("when replying, put the signature"), max_length=6, choices=POSITIONS, default="top"
    )
    default_format = models.CharField(
        _("compose new messages in"), max_length=4, choices=FORMATS, default="text"
    )
    undo_send_delay = models.PositiveSmallIntegerField(
        _("undo send: wait before sending (seconds)"),
        default=undo_send_default,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
        help_text=_("0 to 30 seconds; 0 sends at once, without an Undo."),
    )

    def __str__(self) -> str:
        return f"Compose settings of {self.user}"

    @classmethod
    def for_user(cls, user: User) -> ComposeSettings:
        obj, _created = cls.objects.get_or_create(user=user)
        return obj


# -- Hosted deployment: domains, mail accounts, sessions, audit log ----------------------------

SECURITY_FIELD_CHOICES = [
    ("ssl", _("TLS (implicit)")),
    ("starttls", _("STARTTLS")),
    ("none", _("none (loopback only)")),
]


class Domain(models.Model):
    """A mail domain and the servers its users log in to (user@name)."""

    name = models.CharField(_("domain name"), max_length=253, unique=True)
    imap_host = models.CharField(_("IMAP host"), max_length=253)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=8, choices=SECURITY_FIELD_CHOICES, default="ssl"
    )
    smtp_host = models.CharField(_("SMTP host"), max_length=253, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=8, choices=SECURITY_FIELD_CHOICES, default="ssl"
    )
    # ManageSieve (RFC 5804) for filters and out-of-office; blank host: the IMAP host.
    sieve_host = models.CharField(
        _("ManageSieve host"),
        max_length=253,
        blank=True,
        help_text=_("Blank: the IMAP host."),
    )
    # Blank port and security: 4190 with STARTTLS (so admin forms that predate them still save).
    sieve_port = models.PositiveIntegerField(
        _("ManageSieve port"), null=True, blank=True, help_text=_("Blank: 4190.")
    )
    sieve_security = models.CharField(
        _("ManageSieve security"),
        max_length=8,
        choices=SECURITY_FIELD_CHOICES,
        blank=True,
        help_text=_("Blank: STARTTLS."),
    )
    forbid_external_forwarding = models.BooleanField(
        _("forbid forwarding to other domains"),
        default=False,
        help_text=_("Users may forward or redirect mail only to addresses of this domain."),
    )
    ca_file = models.CharField(
        _("CA file"),
        max_length=500,
        blank=True,
        help_text=_("Path of an extra CA certificate (PEM) to trust."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    require_2fa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Users must set up an authenticator app at their next login."),
    )
    # Issue 12: one webmail account per mailbox (accounts.logins.canonical_login).
    case_sensitive_logins = models.BooleanField(
        _("logins are case-sensitive"),
        default=False,
        help_text=_(
            "Only if this domain's mail server tells User@ and user@ apart. Off: the part before "
            "@ is lower-cased, so every spelling of a login is one account."
        ),
    )

    # Issue 12: which From addresses its users may send as (accounts.senders).
    sender_policy = models.CharField(
        _("users may send as"),
        max_length=8,
        blank=True,
        default="",
        choices=[
            ("", _("the deployment's default (WEBMAIL_SENDER_POLICY)")),
            ("own", _("their own address only")),
            ("aliases", _("their own address and the aliases listed on their mail account")),
            ("any", _("any address")),
        ],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = self.name.strip().lower()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Not at the top: accounts.servers imports this module (it looks up Domain rows).
        from accounts.servers import MailServer

        self.name = self.name.strip().lower()
        if not self.name or "@" in self.name or any(c.isspace() for c in self.name):
            raise ValidationError({"name": _("Enter a domain name such as example.org.")})
        ca = self.ca_file or None
        try:
            MailServer(self.imap_host, self.imap_port, self.imap_security, ca)
            if self.smtp_host:
                MailServer(self.smtp_host, self.smtp_port, self.smtp_security, ca)
            MailServer(
                self.sieve_host or self.imap_host,
                self.sieve_port or 4190,
                self.sieve_security or "starttls",
                ca,
            )
        except ImproperlyConfigured as exc:
            raise ValidationError(str(exc)) from None
        if ca:
            try:
                ssl.create_default_context().load_verify_locations(cafile=ca)
            except (OSError, ssl.SSLError) as exc:
                raise ValidationError(
                    {"ca_file": _("Cannot load this CA file: %s") % exc}
                ) from None


class MailAccount(models.Model):
    """Admin-facing record of a mail user who has logged in at least once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_account"
    )
    login = models.CharField(_("login"), max_length=254, unique=True)
    enabled = models.BooleanField(
        _("enabled"),
        default=True,
        help_text=_("Disabling ends the account's sessions at once."),
    )
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)
    last_login_address = models.GenericIPAddressField(_("last login from"), null=True, blank=True)
    created = models.DateTimeField(_("first login"), auto_now_add=True)

    class Meta:
        ordering = ["login"]
        verbose_name = _("mail account")
        verbose_name_plural = _("mail accounts")

    def __str__(self) -> str:
        return self.login

    @property
    def domain(self) -> str:
        return self.login.rpartition("@")[2] if "@" in self.login else ""


class SenderAlias(models.Model):
    """An address a mail account may send as besides its own (listed by an admin)."""

    account = models.ForeignKey(
        MailAccount, on_delete=models.CASCADE, related_name="sender_aliases"
    )
    address = models.EmailField(_("address"), max_length=254)

    class Meta:
        ordering = ["address"]
        verbose_name = _("sender alias")
        verbose_name_plural = _("sender aliases")
        constraints = [
            models.UniqueConstraint(fields=["account", "address"], name="sender_alias_unique")
        ]

    def __str__(self) -> str:
        return self.address


class ActiveSession(models.Model):
    """A logged-in browser session (mirrors a row of Django's session table)."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="active_sessions"
    )
    login = models.CharField(_("login"), max_length=254, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    started = models.DateTimeField(_("started"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.login} from {self.address or '?'}"


class AuditEvent(models.Model):
    """One line of the audit log. Never holds a password, a message or its content."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGIN_REFUSED = "login_refused"
    LOGOUT = "logout"
    SESSION_ENDED = "session_ended"
    MESSAGE_SENT = "message_sent"
    OTP_ENROLLED = "otp_enrolled"
    OTP_DISABLED = "otp_disabled"
    OTP_FAILED = "otp_failed"
    ADMIN_ACTION = "admin_action"
    EVENT_CHOICES = [
        (LOGIN, _("login")),
        (LOGIN_FAILED, _("failed login")),
        (LOGIN_THROTTLED, _("login throttled")),
        (LOGIN_REFUSED, _("login refused")),
        (LOGOUT, _("logout")),
        (SESSION_ENDED, _("session ended")),
        (MESSAGE_SENT, _("message sent")),
        (OTP_ENROLLED, _("two-factor enrolled")),
        (OTP_DISABLED, _("two-factor disabled")),
        (OTP_FAILED, _("two-factor code refused")),
        (ADMIN_ACTION, _("admin action")),
    ]

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    event = models.CharField(_("event"), max_length=32, choices=EVENT_CHOICES, db_index=True)
    login = models.CharField(_("login"), max_length=254, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["event", "at"]),
            # Failed logins per client address (accounts.throttling).
            models.Index(fields=["event", "address", "at"], name="audit_event_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.login}"


class WorkerReport(models.Model):
    """The live figures a worker process reported last (dashboard and /metrics)."""

    worker = models.CharField(max_length=100, unique=True)  # host:pid
    updated = models.DateTimeField()
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["worker"]

    def __str__(self) -> str:
        return self.worker


class EndedLogin(models.Model):
    """A login whose mail sessions were ended: every worker process closes what it holds."""

    login = models.CharField(max_length=254)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.login


# The single sign-on provider of a domain lives in a module of its own (same app and table).
# The address book lives in a module of its own (same app and tables).
from accounts.people_models import Contact as Contact  # noqa: E402
from accounts.people_models import ContactGroup as ContactGroup  # noqa: E402
from accounts.people_models import RecentAddress as RecentAddress  # noqa: E402
from accounts.sso_models import OIDCProvider as OIDCProvider  # noqa: E402
