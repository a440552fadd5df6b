from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse

from services.identity.token import service
from services.identity.token.body import openapi_body, token_request
from services.identity.token.context import GrantContextDep
from services.identity.token.login import InvalidGrant
from services.identity.token.ratelimit import RateLimited
from services.identity.token.schemas import (
    Grant,
    JsonWebKeySet,
    LogoutRequest,
    OpenIdConfiguration,
    TokenResponse,
)
from shared.auth import ALGORITHM, PUBLIC
from shared.db import SessionDep
from shared.errors import problem_response, problem_responses

router = APIRouter(tags=["tokens"], dependencies=[PUBLIC])
GRANTS = ["password", "refresh_token", "client_credentials"]
CLAIMS = ["iss", "aud", "sub", "exp", "iat", "nbf", "jti", "org_id", "org_type", "roles", "typ"]


@router.post("/token", response_model=TokenResponse, response_model_exclude_none=True,
             responses=problem_responses(401, 415, 422, 429), openapi_extra=openapi_body())
async def issue_token(request: Request, response: Response, session: SessionDep,
                      ctx: GrantContextDep,
                      grant: Annotated[Grant, Depends(token_request)]) -> Any:
    """OAuth 2.0 token endpoint: `password`, `refresh_token` or `client_credentials` grant,
    as JSON or form. Refused credentials answer 401 `invalid_grant` (or `invalid_client`)."""
    response.headers["Cache-Control"] = "no-store"
    try:
        return await service.issue(session, grant, ctx)
    except InvalidGrant:
        await session.commit()  # the refusal's audit rows and lockout count must outlive the 401
        raise
    except RateLimited as exc:
        return problem_response(exc.body(request.url.path),
                                {"Retry-After": str(exc.retry_after)})


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
             responses=problem_responses(422))
async def logout(data: LogoutRequest, session: SessionDep, ctx: GrantContextDep) -> None:
    """End a session: its refresh token and every token rotated from it stop working."""
    await service.logout(session, data, ctx)


@router.get("/.well-known/jwks.json", response_model=JsonWebKeySet)
async def jwks(request: Request) -> JSONResponse:
    """Public signing keys (active and recently retired) for verifying access tokens."""
    keys = await request.app.state.keys.fresh()
    return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=60"})


@router.get("/.well-known/openid-configuration", response_model=OpenIdConfiguration)
async def openid_configuration(request: Request) -> OpenIdConfiguration:
    """Discovery: issuer, JWKS location, token endpoint and what they support."""
    settings = request.app.state.settings
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return OpenIdConfiguration(
        issuer=settings.token_issuer, jwks_uri=f"{base}/.well-known/jwks.json",
        token_endpoint=f"{base}/token", grant_types_supported=GRANTS,
        token_endpoint_auth_methods_supported=["client_secret_post"],
        id_token_signing_alg_values_supported=[ALGORITHM], response_types_supported=["token"],
        subject_types_supported=["public"], claims_supported=CLAIMS)
