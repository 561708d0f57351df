"""Tagged answers to LOGIN / AUTHENTICATE, as the bytes on the wire.

The Dovecot lines were recorded from Dovecot 2.3.19 on 2026-12-03 (a wrong password;
`mail_max_userip_connections = 1` with one connection open; a checkpassword passdb exiting 111,
"temporary failure"). Dovecot has no configuration that answers the other RFC 5530 codes to a
login: those lines are the RFC's own examples and the phrasings of servers that send them.
"""

from __future__ import annotations

# line -> the error the login becomes
DOVECOT = {
    b"a NO [AUTHENTICATIONFAILED] Authentication failed.": "AuthenticationFailed",
    b"a NO [LIMIT] Maximum number of connections from user+IP exceeded "
    b"(mail_max_userip_connections=1)": "LoginLimit",
    b"a NO [UNAVAILABLE] Temporary authentication failure. [vm:2026-12-03 13:17:24]": (
        "LoginUnavailable"
    ),
}
OTHERS = {
    b"a NO Login failed": "AuthenticationFailed",  # no code: a wrong password
    b"a NO [AUTHORIZATIONFAILED] No such authorization-ID": "AuthenticationFailed",
    b"a NO [ALERT] Wrong password": "AuthenticationFailed",  # a code that says nothing of why
    b"a NO [SERVERBUG] Internal error occurred. Refer to server log.": "LoginServerBug",
    b"a NO [CONTACTADMIN] Account locked, contact the helpdesk": "LoginContactAdmin",
    b"a NO [EXPIRED] That password isn't valid any more": "LoginExpired",
    b"a NO [PRIVACYREQUIRED] Connection is not private": "LoginPrivacyRequired",
    b"a BAD [UNAVAILABLE] User's backend down for maintenance": "LoginUnavailable",
}
