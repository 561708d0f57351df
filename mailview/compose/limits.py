"""How much may be attached to one message: the outgoing server's SIZE (RFC 1870) when it
announces one, else WEBMAIL_MAX_MESSAGE_SIZE; shown on the compose page before any upload and
enforced as the attachments are stored."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from accounts.servers import smtp_server_for_login
from mailview.compose import smtp

# The announced SIZE is asked once an hour per server (one EHLO, no login); a server that could
# not be asked is asked again a minute later, not an hour.
SIZE_CACHE_SECONDS = 3600
UNREACHABLE_CACHE_SECONDS = 60
PROBE_TIMEOUT = 5.0
# Headers, the text and the MIME framing of a message with attachments.
MESSAGE_OVERHEAD = 64 * 1024


def message_size_limit(login: str) -> int:
    """The largest message, in bytes, the user's outgoing server takes."""
    server = smtp_server_for_login(login)
    key = f"webmail:smtp-size:{server.host}:{server.port}:{server.security}"
    announced = cache.get(key)
    if announced is None:
        answer = smtp.announced_size(server, PROBE_TIMEOUT)
        announced = answer or 0
        cache.set(
            key, announced, UNREACHABLE_CACHE_SECONDS if answer is None else SIZE_CACHE_SECONDS
        )
    return int(announced) or int(settings.WEBMAIL_MAX_MESSAGE_SIZE)


def attachments_limit(login: str) -> int:
    """The attachments' total size that fits in one message (base64 takes 4 bytes for 3)."""
    return max(0, (message_size_limit(login) - MESSAGE_OVERHEAD) * 3 // 4)
