"""ACORN settings: one module, driven by the environment (see `.env.example`)."""

import base64
import datetime
import hashlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from acorn_portal.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("ACORN_DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example), "
            "or set ACORN_DEBUG=1 for a local demo."
        )
    SECRET_KEY = "insecure-dev-only-key-acorn-demo"  # noqa: S105 - only reachable with DEBUG on

# Fernet keys, comma separated: the first encrypts, all decrypt (so a rotation can re-encrypt).
ENCRYPTION_KEYS = env_list("ACORN_ENCRYPTION_KEYS")
if not ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ACORN_ENCRYPTION_KEYS is not set: vendor credentials cannot be stored without it. Generate one "
            'with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "acorn_portal.admin_site.AcornAdminConfig",  # django.contrib.admin with per-role navigation
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "oauth2_provider",  # OAuth 2.0 for third-party apps (developer/oauth.py, docs/OAUTH.md)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files, never a CDN
    "django_filters",
    "django_q",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # After django.contrib.auth: our post_migrate receiver needs the permissions auth creates first.
    "acorn_portal.apps.AcornPortalConfig",
    "refunds.apps.RefundsConfig",
    "datasources.apps.DatasourcesConfig",
    "developer.apps.DeveloperConfig",
]
# The Vendor Central simulator, the demo's seeding and its answer key (`SimulatedTruth`): only where
# a demo runs. A production schema never carries the answer key.
SIMULATOR_ENABLED = env_bool("ACORN_SIMULATOR", DEBUG)
if SIMULATOR_ENABLED:
    INSTALLED_APPS.append("simulator.apps.SimulatorConfig")

MIDDLEWARE = [
    "acorn_portal.middleware.RequestIDMiddleware",
    # Under /api/ only: any error response becomes application/problem+json (RFC 9457).
    "developer.api.problems.ProblemDetailsMiddleware",
    # Under /api/ only: a body over the view's limit answers 413 before it is read.
    "developer.api.limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's language, else the browser's, else their organization's (acorn_portal.languages).
    "acorn_portal.middleware.LanguageMiddleware",
    # Marks request.user verified when the session passed a second factor; the next one keeps
    # anyone who needs a second factor on the two-factor pages until they give one.
    "django_otp.middleware.OTPMiddleware",
    "acorn_portal.middleware.TwoFactorMiddleware",
    # A person in several organizations sees and acts in the one they switched to (acorn_portal.tenancy).
    "acorn_portal.middleware.ActiveOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it turns a lockout raised by the login view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The lockout check runs first and refuses a locked-out user or address before any password is
# checked; ModelBackend then authenticates and gives permissions.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "acorn_portal.urls"
WSGI_APPLICATION = "acorn_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections (one per web worker or task process, never per request) with a health
    # check before reuse, so a restarted or failed-over PostgreSQL costs an error on no request.
    DATABASES = {
        "default": database_from_url(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
        )
    }
else:
    # The embedded default: one writer at a time, so take the write lock up front (IMMEDIATE) and
    # wait for it instead of failing with "database is locked"; WAL lets readers run alongside.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "acorn.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# English and Simplified Chinese; what goes to Amazon stays English (docs/decisions/0401-languages.md).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date formats per language (ISO dates in English, 2026年12月7日 in Chinese).
FORMAT_MODULE_PATH = ["acorn_portal.formats"]
LANGUAGE_COOKIE_NAME = "acorn_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ACORN_STATIC_ROOT", "") or BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG  # the demo serves static files without collectstatic
# Uploaded evidence lives outside the web root and is served only through permission-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Largest evidence file and report file accepted, in bytes (acorn_portal/uploads.py checks both).
ACORN_EVIDENCE_MAX_BYTES = env_int("ACORN_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
ACORN_IMPORT_MAX_BYTES = env_int("ACORN_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Seconds the task cluster gives one report file import uploaded through the API (a million rows
# takes minutes); a copy the broker hands out again meanwhile finds the import claimed and stops.
ACORN_IMPORT_TASK_TIMEOUT = env_int("ACORN_IMPORT_TASK_TIMEOUT", 3600)
# Stored uploads readable by the service account only (no world-readable evidence on a shared host).
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

LOGIN_URL = "admin:login"
# Error reports (500 e-mails, the DEBUG page) never show credentials, tokens or keys.
DEFAULT_EXCEPTION_REPORTER_FILTER = "acorn_portal.errors.AcornExceptionReporterFilter"

# --- Transport and browser security (README "Security"; `make check-deploy` proves it) ---------
# HTTPS only outside the demo: cookies never travel in clear, plain HTTP is redirected, and HSTS
# tells browsers to stop trying HTTP at all.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("ACORN_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("ACORN_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ACORN_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a commitment to browser vendors that is slow to undo, so it is the operator's
# decision; Django's deploy check nags about it (W021) until then, which is the one warning we mute.
SECURE_HSTS_PRELOAD = env_bool("ACORN_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind a reverse proxy that terminates TLS, Django sees plain HTTP; ACORN_BEHIND_PROXY=1 makes it
# trust the proxy's X-Forwarded-Proto. Only set it when the proxy overwrites that header on every
# request: otherwise a client could claim HTTPS. It also makes the audit trail and the lockout read
# the client's address from the last X-Forwarded-For entry (the one the proxy appended).
ACORN_BEHIND_PROXY = env_bool("ACORN_BEHIND_PROXY", False)
if ACORN_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A staff session lasts a working day and ends when the browser closes.
SESSION_COOKIE_AGE = env_int("ACORN_SESSION_AGE_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("ACORN_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy (django-csp 4): only our own scripts, styles, images and fonts; no
# inline scripts or event handlers anywhere in the portal; nobody may frame it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Two-factor authentication (django-otp; acorn_portal.services.two_factor) ----------------
# Required for superusers and for anyone who is a manager or admin in any organization; optional
# for the other roles (once enrolled, always asked). The published demo users are exempt, but
# only while DEBUG is on.
ACORN_2FA_EXEMPT_DEMO = DEBUG
# `seed_demo` creates those published logins: with DEBUG off it runs only when told
# --i-know-this-is-not-production. Not read from the environment on purpose.
ACORN_DEMO_SEED_ALLOWED = DEBUG
OTP_TOTP_ISSUER = env_str("ACORN_TOTP_ISSUER", "ACORN")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each wrong code
OTP_STATIC_THROTTLE_FACTOR = 1
ACORN_RECOVERY_CODES = 10

# --- Sign-in throttling and lockout (django-axes) -----------------------------------------------
# After AXES_FAILURE_LIMIT failed sign-ins for one username, or from one address, that username or
# address is locked out for the cool-off (hours), or until an admin clears it.
AXES_FAILURE_LIMIT = env_int("ACORN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("ACORN_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # acorn_portal.admin registers the attempts with an audited unlock
AXES_LOCKOUT_TEMPLATE = "acorn_portal/locked_out.html"
# The same address the audit trail records (REMOTE_ADDR; see README on proxies).
AXES_CLIENT_IP_CALLABLE = "acorn_portal.services.audit.client_address"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins and sign-outs are in our audit trail instead

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "developer.api.problems.problem_exception_handler",
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
# Largest API request body in bytes: most endpoints, and the bulk document pushes (500 items each).
# Report file uploads take ACORN_IMPORT_MAX_BYTES plus room for the form around the file.
ACORN_API_MAX_BODY_BYTES = env_int("ACORN_API_MAX_BODY_BYTES", 1024 * 1024)
ACORN_API_MAX_BULK_BODY_BYTES = env_int("ACORN_API_MAX_BULK_BODY_BYTES", 16 * 1024 * 1024)
# Requests per API key (DRF rate syntax: "600/min", "20/s") in each window from the key's first
# request. Counted in Django's cache, which every process shares (the file cache on one host, Redis
# across hosts).
ACORN_API_RATE = env_str("ACORN_API_RATE", "600/min")
# Seconds a key's row is cached for authentication (0: look it up on every request). Revoking deletes
# the entry from the shared cache, so every process refuses the key at once.
ACORN_API_KEY_CACHE_SECONDS = env_int("ACORN_API_KEY_CACHE_SECONDS", 10)
# OAuth 2.0 for third-party apps (django-oauth-toolkit): authorization code with PKCE only.
# Named (with its default) because developer.models_oauth points at it: migrations need the setting.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "developer.oauth.AcornScopes",
    "OAUTH2_VALIDATOR_CLASS": "developer.oauth.AcornValidator",
    "ACCESS_TOKEN_GENERATOR": "developer.oauth.new_access_token",
    "REFRESH_TOKEN_GENERATOR": "developer.oauth.new_refresh_token",
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("ACORN_OAUTH_ACCESS_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("ACORN_OAUTH_REFRESH_TOKEN_SECONDS", 90 * 24 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    # https redirect URIs; http on 127.0.0.1 (RFC 8252 native apps) only where switched on (the demo, tests),
    # and then checked to be loopback when an app is registered (developer.services.oauth).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]
    if env_bool("ACORN_OAUTH_LOOPBACK_REDIRECTS", DEBUG)
    else ["https"],
    # RFC 9700 (OAuth 2.0 Security BCP) throughout: no implicit or password grant, S256 only, tokens in the
    # header only, `iss` in the authorization response, tokens stored hashed, a replayed refresh token
    # revokes its whole family.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )  # fmt: skip
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ACORN API",
    "DESCRIPTION": (
        "Deductions, documents, imports, sync runs and events of one organization. Authenticate with "
        "`Authorization: Bearer <key>` (keys are issued in the portal's Developer center), or, for a "
        "third-party app, with an OAuth 2.0 access token (`Authorization: Bearer acorn_at_…`) from the "
        "authorization code flow with PKCE. Errors are "
        "`application/problem+json` (RFC 9457) with a `request_id`; every response carries `X-Request-ID`. "
        "Send `Idempotency-Key` on POST to make a retry safe. Money is `{amount: string, currency}`, "
        "dates ISO 8601. Lists use cursor pagination: follow `next`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "EvidenceKindEnum": "refunds.choices.EvidenceKind",
        "ReportKindEnum": "datasources.connectors.report_columns.ReportKind",
        "WebhookEventTypeEnum": "developer.choices.WebhookEventType",
        "WebhookDeliveryStatusEnum": "developer.choices.DeliveryStatus",
        "DeliveredEventTypeEnum": "developer.choices.DELIVERED_EVENT_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "developer.api.schema.add_problem_responses",
    ],
}

# django-q2: timeout below retry so a slow task is never started twice; finite attempts.
Q_CLUSTER = {
    "name": "acorn",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 300),
    "retry": env_int("Q_RETRY", 360),
    "max_attempts": 3,
    "catch_up": False,
    "orm": "default",
    "sync": env_bool("Q_SYNC", False),
    "poll": 1,
    "save_limit": 1000,
}
# Seconds a sync run holds its account without committing a page before another worker may take over.
# Networks outbound requests (webhooks, chat alerts, data feeds) may reach although internal;
# the demo allows loopback for its simulator and receivers. See acorn_portal/outbound.py.
OUTBOUND_ALLOWED_NETWORKS = env_list("ACORN_OUTBOUND_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"] if DEBUG else [])
SYNC_LEASE_SECONDS = env_int("ACORN_SYNC_LEASE_SECONDS", 120)
# Where the demo's data sources find the Vendor Central simulator (`make run` starts it there).
SIMULATOR_URL = env_str("ACORN_SIMULATOR_URL", "http://127.0.0.1:8765")
# Webhooks (developer app): retries with exponential backoff and jitter for WEBHOOK_MAX_AGE_HOURS,
# then given up; an endpoint failing WEBHOOK_DISABLE_AFTER_FAILURES times in a row over at least
# WEBHOOK_DISABLE_AFTER_HOURS is disabled and its organization's admins are told.
WEBHOOK_TIMEOUT_SECONDS = env_int("ACORN_WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_AGE_HOURS = env_int("ACORN_WEBHOOK_MAX_AGE_HOURS", 24)
WEBHOOK_BACKOFF_BASE_SECONDS = env_int("ACORN_WEBHOOK_BACKOFF_BASE_SECONDS", 60)
WEBHOOK_BACKOFF_MAX_SECONDS = env_int("ACORN_WEBHOOK_BACKOFF_MAX_SECONDS", 4 * 3600)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("ACORN_WEBHOOK_DISABLE_AFTER_FAILURES", 20)
WEBHOOK_DISABLE_AFTER_HOURS = env_int("ACORN_WEBHOOK_DISABLE_AFTER_HOURS", 12)
# After a secret rotation the old secret still signs (a second v1) this long, then expires.
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("ACORN_WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# Most journal lines one ledger export holds; the rest of the period goes into the next export.
LEDGER_EXPORT_MAX_LINES = env_int("ACORN_LEDGER_EXPORT_MAX_LINES", 50_000)
# One Redis for every process when the portal runs on several hosts: the task broker, and Django's
# cache, which holds the API throttle counters and the API key cache (so a revocation is seen by every
# web process at once). Without it: the ORM broker and a file cache in ACORN_CACHE_DIR, which every
# process of one host shares (acorn_portal/cache.py).
REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "acorn_portal.cache.LockedFileBasedCache",
        "LOCATION": env_str("ACORN_CACHE_DIR", "") or str(BASE_DIR / "var" / "cache"),
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("ACORN_CACHE_KEY_PREFIX", "acorn"),
            "TIMEOUT": 300,
        }
    }

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "acorn@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
# Links in alert emails and chat messages start with this (no trailing slash).
PUBLIC_URL = env_str("ACORN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "acorn_portal.middleware.RequestIDLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# ==================================================================================================
# Onboarding: sign-up, people, single sign-on (acorn_portal.services.signup/people/sso). Kept in one
# block so that other settings changes merge around it.
# ==================================================================================================
# Self-service sign-up of new organizations: off on a self-hosted install, on in the demo.
ACORN_SIGNUP_OPEN = env_bool("ACORN_SIGNUP_OPEN", DEBUG)
# How long a sign-up's e-mail verification link and an invitation link stay valid.
ACORN_SIGNUP_LINK_HOURS = env_int("ACORN_SIGNUP_LINK_HOURS", 48)
ACORN_INVITATION_DAYS = env_int("ACORN_INVITATION_DAYS", 7)
PASSWORD_RESET_TIMEOUT = env_int("ACORN_PASSWORD_RESET_SECONDS", 3 * 3600)
# django-allauth serves only the OpenID Connect and SAML 2.0 sign-in (each organization's provider is a
# SocialApp its admin configures); sign-up, verification and password reset are ACORN's own pages.
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware"), "allauth.account.middleware.AccountMiddleware"
)
SOCIALACCOUNT_ADAPTER = "acorn_portal.sso_adapter.OrganizationSocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the organization's identity provider vouches for it
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never sign in to an existing account by a claimed e-mail
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
ACCOUNT_EMAIL_VERIFICATION = "none"
LOGIN_REDIRECT_URL = "/"
