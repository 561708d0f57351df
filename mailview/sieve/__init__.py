"""ManageSieve (RFC 5804) and the Sieve scripts the webmail writes (RFC 5228, 5230, 5232, 5260).

`client.py` is a small blocking ManageSieve client (STARTTLS, SASL PLAIN, the script commands,
capabilities); `quoting.py` turns user input into Sieve strings that cannot break out of their
quotes; `rules.py` is the typed model of the one script the webmail owns (rules, out-of-office,
forwarding), its generation and its parse-back. Like `mailview.imap`, this package knows no app:
it imports neither accounts, webmail nor the rest of mailview.
"""
