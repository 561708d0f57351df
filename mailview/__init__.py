"""The mail app. Its packages are layers, each importing only those below it (enforced by the
import-linter contracts in pyproject.toml, run by scripts/test):

    views | live | templatetags | middleware     the screens, live mail
    compose                                      writing mail (its own views included)
    services                                     what a screen needs, as dataclasses
    (accounts)                                   identity, credentials, servers, audit
    render                                       rows, dates and sizes, widgets
    mime                                         parsing, decoding and sanitizing messages
    imap                                         the IMAP protocol core, drivers and pool

docs/architecture.md tells how a request and an IDLE event travel through them.
"""
