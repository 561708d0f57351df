"""The project: settings, the URL root, ASGI (HTTP and websockets), the admin site, /healthz and
/metrics, the worker processes' housekeeping thread, and devmail (a private Dovecot and SMTP
server for development, tests and benchmarks).

The outermost layer: it may import every app (accounts, mailview) and wires them together at
start-up (webmail/apps.py); nothing in accounts or mailview imports it, except the IMAP client's
command metrics until they reach it through a hook.
"""
