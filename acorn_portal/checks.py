"""System checks for the security wiring that no test of a single page would notice missing."""

from django.conf import settings
from django.core.checks import Error, Tags, register

OTP = "django_otp.middleware.OTPMiddleware"
TWO_FACTOR = "acorn_portal.middleware.TwoFactorMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"


@register(Tags.security)
def two_factor_middleware(app_configs, **kwargs):
    """Without TwoFactorMiddleware (after OTPMiddleware, after authentication) managers would reach
    the admin with a password alone."""
    middleware = list(settings.MIDDLEWARE)
    try:
        in_order = middleware.index(AUTH) < middleware.index(OTP) < middleware.index(TWO_FACTOR)
    except ValueError:
        in_order = False
    if in_order:
        return []
    return [
        Error(
            "Two-factor authentication is not enforced.",
            hint=f"MIDDLEWARE must list {AUTH}, then {OTP}, then {TWO_FACTOR}.",
            id="acorn.E001",
        )
    ]
