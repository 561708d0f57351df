"""The configured providers (accounts.models.OIDCProvider) as ``client.Provider`` values."""

from __future__ import annotations

from accounts.models import OIDCProvider
from accounts.servers import domain_of
from accounts.sso.client import Provider
from accounts.sso.secret import open_client_secret


def _provider(row: OIDCProvider) -> Provider:
    return Provider(
        domain=row.domain.name,
        name=row.name,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret=open_client_secret(row.client_secret_sealed),
        scopes=row.scopes,
        login_claim=row.login_claim,
        end_session=row.end_provider_session,
    )


def provider_for_domain(domain: str) -> Provider | None:
    row = (
        OIDCProvider.objects.select_related("domain")
        .filter(domain__name=domain.strip().lower(), domain__enabled=True)
        .first()
    )
    return _provider(row) if row is not None else None


def provider_for_login(login: str) -> Provider | None:
    domain = domain_of(login)
    return provider_for_domain(domain) if domain else None


def login_page_providers() -> list[tuple[str, str]]:
    """(domain, name) of every enabled domain's provider, for the login page."""
    return list(
        OIDCProvider.objects.filter(domain__enabled=True)
        .order_by("domain__name")
        .values_list("domain__name", "name")
    )


def password_login_allowed(login: str) -> bool:
    domain = domain_of(login)
    if not domain:
        return True
    row = OIDCProvider.objects.filter(domain__name=domain).first()
    return row is None or row.password_login


def local_2fa_required(domain: str) -> bool:
    row = OIDCProvider.objects.filter(domain__name=domain).first()
    return row is not None and row.require_local_2fa
