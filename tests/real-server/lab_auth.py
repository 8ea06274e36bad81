"""LiteLLM's custom_auth hook: without a database LiteLLM cannot check keys (a wrong key gets a
400 "No connected db."), so this accepts one key and refuses any other the way a real deployment
does, with a 401."""

from fastapi import Request
from litellm.proxy._types import ProxyErrorTypes, ProxyException, UserAPIKeyAuth

GOOD_KEY = "sk-lab-good"


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    if api_key == GOOD_KEY:
        return UserAPIKeyAuth(api_key=api_key)
    # The test keys are fakes; their tail tells the tests which client sent what.
    print(f"lab_auth: refused key ...{api_key[-12:]} on {request.url.path}", flush=True)
    # A plain exception would surface as a 500; ProxyException carries the status LiteLLM sends.
    raise ProxyException(
        message="Authentication Error, invalid lab key",
        type=ProxyErrorTypes.auth_error,
        param="api_key",
        code=401,
    )
