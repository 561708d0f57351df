"""Single sign-on: OpenID Connect login, and OAuth 2.0 access tokens in place of the password.

- ``secret.py``: the sealed client secret of a provider (admin configuration).
- ``client.py``: the relying party's protocol (Authlib's OAuth 2.0 client for the code flow with
  PKCE and refresh; joserfc for the provider's keys and the ID token checks).
- ``flow.py``: starting a login and finishing it at the callback (state, nonce, verifier kept in
  the session until the callback), signing the user in.
- ``tokens.py``: the tokens sealed in the session as the password is, refreshed before they
  expire; the secret the IMAP and SMTP layers get is ``bearer_secret(access_token)``.
"""
