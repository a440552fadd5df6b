from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Audience = Literal["identity", "assurance", "procurement", "market"]
AUDIENCES: tuple[str, ...] = ("identity", "assurance", "procurement", "market")
Secret = Annotated[str, Field(min_length=1, max_length=1024, repr=False)]


class _Grant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str | None = Field(default=None, max_length=200, description="accepted, ignored")


class PasswordGrant(_Grant):
    """A person signs in with username and password, for one service (`audience`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "grant_type": "password", "username": "5nt.commissioner",
        "password": "correct horse battery staple", "audience": "assurance"}]})  # nosec B105  # example

    grant_type: Literal["password"]
    username: str = Field(min_length=1, max_length=254)
    password: Secret
    audience: Audience


class RefreshGrant(_Grant):
    """Swap a refresh token for new tokens; the old refresh token is then spent."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "grant_type": "refresh_token", "refresh_token": "q0X3v9Jm2b7TgH1sPzL4wA",  # nosec B105  # example
        "audience": "procurement"}]})

    grant_type: Literal["refresh_token"]
    refresh_token: Secret
    audience: Audience | None = Field(default=None, description="default: the original one")


class ClientCredentialsGrant(_Grant):
    """A service account authenticates with its client id and secret (no refresh token)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "grant_type": "client_credentials", "client_id": "svc-3f9a1c2b7d4e5f60",
        "client_secret": "Vb7q2N4xYk9pL0sR3tW6uZ8a", "audience": "assurance"}]})  # nosec B105  # example

    grant_type: Literal["client_credentials"]
    client_id: str = Field(min_length=1, max_length=64)
    client_secret: Secret
    audience: Audience


Grant = PasswordGrant | RefreshGrant | ClientCredentialsGrant
TokenRequest = Annotated[Grant, Field(discriminator="grant_type")]


class TokenResponse(BaseModel):
    """OAuth 2.0 token response (RFC 6749 section 5.1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "access_token": "eyJhbGciOiJSUzI1NiIs...", "token_type": "Bearer", "expires_in": 900,  # nosec B105
        "refresh_token": "q0X3...", "refresh_expires_in": 1209600}]})  # nosec B105  # example

    access_token: str = Field(description="RS256 JWT for `audience`")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str | None = Field(default=None, description="single use; not for services")
    refresh_expires_in: int | None = None


class LogoutRequest(BaseModel):
    """Ends the session the refresh token belongs to (its whole family)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "refresh_token": "q0X3v9Jm2b7TgH1sPzL4wA"}]})  # nosec B105  # example

    refresh_token: Secret


class OpenIdConfiguration(BaseModel):
    """Discovery document (the subset of OpenID Connect Discovery that applies)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "issuer": "urn:nhs-commissioning:identity",
        "jwks_uri": "https://identity.commissioning.nhs.uk/.well-known/jwks.json",
        "token_endpoint": "https://identity.commissioning.nhs.uk/token",  # nosec B105  # a URL
        "grant_types_supported": ["password", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["token"], "subject_types_supported": ["public"],
        "claims_supported": ["iss", "aud", "sub", "exp", "iat", "nbf", "jti", "org_id",
                             "org_type", "roles", "typ"]}]})

    issuer: str
    jwks_uri: str
    token_endpoint: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    response_types_supported: list[str]
    subject_types_supported: list[str]
    claims_supported: list[str]


class JsonWebKeySet(BaseModel):
    """RFC 7517 JWK set: the public halves of the signing keys, active and retired."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"keys": [{
        "kty": "RSA", "kid": "2009-04-01-9c1e", "use": "sig", "alg": "RS256", "e": "AQAB",
        "n": "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7j"}]}]})

    keys: list[dict[str, Any]]
