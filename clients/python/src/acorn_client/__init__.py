"""ACORN API client: `Client(base_url, api_key)`; see the package README."""

from ._version import __version__
from .client import Client
from .errors import (
    AcornError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SignatureVerificationError,
    TransportError,
    UnprocessableError,
)
from .models import Money
from .oauth import OAuthTokens, authorization_url, exchange_code, pkce_pair

__all__ = [
    "AcornError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "Money",
    "NotFoundError",
    "OAuthTokens",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SignatureVerificationError",
    "TransportError",
    "UnprocessableError",
    "__version__",
    "authorization_url",
    "exchange_code",
    "pkce_pair",
]
