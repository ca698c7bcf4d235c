"""Multi-workspace installation: slack_sdk's SQLAlchemy installation and state stores, one OAuth flow.

The tables (``slack_installations``, ``slack_bots``, ``slack_oauth_states``) are created by the
project's Alembic migration ``0003``, not by the stores, so every replica sees one schema.
"""

from __future__ import annotations

from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.app import Services

STATE_EXPIRATION_SECONDS = 600


def installation_store_for(services: Services) -> SQLAlchemyInstallationStore:
    settings = services.settings
    assert settings.slack_client_id
    return SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=services.db.engine)


def oauth_flow_for(
    services: Services, client: WebClient, scopes: list[str], install_path: str, redirect_path: str
) -> tuple[OAuthFlow, SQLAlchemyInstallationStore]:
    settings = services.settings
    assert settings.slack_client_id and settings.slack_client_secret
    installation_store = installation_store_for(services)
    state_store = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS, engine=services.db.engine
    )
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=scopes,
        installation_store=installation_store,
        state_store=state_store,
        install_path=install_path,
        redirect_uri_path=redirect_path,
    )
    return OAuthFlow(client=client, settings=oauth_settings), installation_store
