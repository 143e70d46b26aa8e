"""All settings, from the environment (see README for the variables)."""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cafsite.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    # Development only: one generated key kept on disk so sessions survive a restart.
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "agencies.admin_site.EcafAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "axes",
    "csp",
    # Sign-in (issue 10): the second factor.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "agencies",
    "audit",
    "cases",
    "consent",
    "assessments",
    "meetings",
    "delivery",
    "referrals",
    "retention",
    "deadlines",
    "reports",
    "monitoring",
    "security",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files stay cacheable; everything else is never stored.
    "security.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "security.middleware.SessionLifetimeMiddleware",
    # Sign-in (issue 10): which second factor the session passed, then hold a session that
    # has passed only the password to the pages that complete sign-in.
    "django_otp.middleware.OTPMiddleware",
    "agencies.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.context.AuditActorMiddleware",
    # Last, as django-axes asks, so it sees every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cafsite.urls"
WSGI_APPLICATION = "cafsite.wsgi.application"

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
                "cafsite.context_processors.navigation",
                "security.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: a transaction takes the write lock when it begins, so a second
    # simultaneous save waits (up to 20 s) instead of failing with "database is locked" when
    # it upgrades from reading; WAL lets pages read while another request writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
# guardian's ObjectPermissionBackend is left out on purpose: user.has_perm(perm, case) would
# answer from group rows alone, blind to the DBS check, the archive rule and superusers. Case
# access is answered by cases.permissions only; guardian's tables just record the grants.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]  # the backend above is left out on purpose
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in (issue 10): passwords have a ceiling as well as a floor (ASVS 2.1.2).
AUTH_PASSWORD_VALIDATORS.append(
    {"NAME": "agencies.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}}
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER") or "eCAF"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60) * 60
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Shared computers: sessions, API tokens, caching, browser features (issue 10, ASVS 3.3,
# 3.5, 8.2.1). The middleware is in MIDDLEWARE above (security.*, django_permissions_policy).
# Sessions end when the browser closes, after 30 minutes without a request, and 10 hours after
# signing in however active (security.middleware.SessionLifetimeMiddleware).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
# The page warns this long before the session ends, with a "Stay signed in" button.
SESSION_WARNING_SECONDS = 2 * 60
# API tokens (django-rest-knox): stored hashed, expiring, revocable, ended by a password change
# (agencies.models.User.set_password). Issued from the "API tokens" page only.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_DAYS", 30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
API_TOKEN_LIMIT_PER_USER = 5
# Browser features the service never uses are off for every page (ASVS 14.4).
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}
# --- end of shared computers

# Sign-in (issue 10): lock out after repeated failed sign-ins of one account from one address,
# and any address past a higher ceiling (spraying many accounts); see agencies/lockout.py. The
# user agent plays no part, a success resets nothing, a tenant administrator unlocks.
AXES_HANDLER = "agencies.lockout.AccountAndAddressLockoutHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies in front append to X-Forwarded-For. 0: the client connects
# directly and REMOTE_ADDR is its address. Behind a load balancer set 1, or the lockout and
# the audit trail see only the proxy's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Sign-in (issue 10): the lockout reads the address as the audit trail does (the entry our own
# proxy wrote); ipware with a proxy count saw only the proxy's address, one for everybody.
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"

# Security headers. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_ENABLED.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # __Host-: browsers accept these cookies only over HTTPS, for this host alone, path / (no
    # sibling subdomain can set or overwrite them). Over plain HTTP they would be refused.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]
# Uploaded documents (consent scans). No URL serves this folder: each file is handed out by a
# view that checks access to its case. Owner-only files, random names (cafsite.uploads).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
# Reports (issue 15): an export of more rows than this goes to the worker, with a progress
# page; its file is kept this many hours for its requester.
REPORT_DIRECT_EXPORT_MAX_ROWS = env_int("REPORT_DIRECT_EXPORT_MAX_ROWS", 5000)
REPORT_EXPORT_KEEP_HOURS = env_int("REPORT_EXPORT_KEEP_HOURS", 24)
FILE_UPLOAD_HANDLERS = [
    # First, so nothing past the limit reaches memory or a temporary file.
    "cafsite.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    # The first class names the challenge of a 401 (WWW-Authenticate); session authentication
    # has none, so with it first an unauthenticated client got 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cafsite.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eCAF API",
    "DESCRIPTION": "Electronic Common Assessment Framework. Every endpoint applies the same "
    "access rules as the pages: what you may not see does not exist (404).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One name for a choice set used by several fields.
    "ENUM_NAME_OVERRIDES": {
        "ConsentGiverEnum": "consent.models.ConsentGiver",
        "SectionEnum": "assessments.framework.Section",
        "AssessmentStateEnum": "assessments.models.AssessmentState",
        "ContributionStateEnum": "assessments.models.ContributionState",
        "CaseStateEnum": "cases.models.CaseState",
        "VersionReasonEnum": "assessments.models.VersionReason",
        "MeetingStateEnum": "meetings.models.MeetingState",
        "ClosureReasonEnum": "delivery.models.ClosureReason",
        "PlanActionStatusEnum": "cases.models.PlanActionStatus",
        "SectionStatusEnum": "assessments.framework.SectionStatus",
        "InvitationKindEnum": "meetings.models.InvitationKind",
        "InvitationResponseEnum": "meetings.models.InvitationResponse",
        "NominationKindEnum": "meetings.models.NominationKind",
        "NominationStateEnum": "meetings.models.NominationState",
        "ForumStateEnum": "meetings.models.ForumState",
        "AgendaActionEnum": "meetings.services.agenda.AgendaAction",
        "ReviewDecisionEnum": "delivery.models.ReviewDecision",
        "ThresholdDecisionEnum": "referrals.models.ThresholdDecision",
        # The duty manager's answer: the decision without "awaiting".
        "ThresholdAnswerEnum": ["accepted", "not_met"],
    },
    # The <id:...> converter's range (cafsite.validation.MAX_ID: PostgreSQL's bigint).
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cafsite.api.document_error_responses",
    ],
}

# django-guardian: no anonymous user row; object permissions through our direct FK models.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-auditlog: our own LogEntry model adds indexed tenant/case/child columns.
AUDITLOG_LOGENTRY_MODEL = "audit.ChangeLogEntry"
# auditlog's migrations create its own LogEntry table even when the model is swapped; that
# orphan table's foreign keys stop PostgreSQL from emptying tables between transactional tests.
# Unmigrated, the app creates no table at all: its only concrete model is the swapped one.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Celery: without a broker, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "monitoring.tasks.worker_heartbeat_task", "schedule": 60.0},
    # Forum invitations and reminders (R-MAF-4): a frequent scan of due rows, never a long ETA.
    "forum-invitations": {
        "task": "meetings.tasks.forum_invitations_send_task",
        "schedule": 300.0,
    },
    "forum-reminders": {"task": "meetings.tasks.forum_reminders_send_task", "schedule": 300.0},
    # Deadline reminders (issue 14): a scan every 15 minutes; at most one reminder per item,
    # person and day, so the repeats only catch what fell due or was missed since.
    "deadline-reminders": {
        "task": "deadlines.tasks.deadlines_run_task",
        "schedule": 900.0,
        "kwargs": {"digest": False},
    },
    # The coordinators' weekly digest, Monday morning (once per person and week).
    "deadline-digest": {
        "task": "deadlines.tasks.deadlines_digest_task",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Export files past their expiry (issue 15): deleted with their jobs.
    "report-exports-expire": {"task": "reports.tasks.export_jobs_expire_task", "schedule": 3600.0},
    # Archive and purge of closed CAFs (R-RET-1): once a day, at night.
    "retention-run": {
        "task": "retention.tasks.retention_run_task",
        "schedule": crontab(hour=2, minute=30),
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "ecaf@localhost"
# The service's own address, for links in emails sent by the worker (no request to build them
# from). Defaults to the first allowed host over HTTPS, or the development server.
_named_hosts = [host.lstrip(".") for host in ALLOWED_HOSTS if host != "*"]
SITE_URL = (
    env_str("SITE_URL")
    or ("http://127.0.0.1:8000" if DEBUG or not _named_hosts else f"https://{_named_hosts[0]}")
).rstrip("/")

LOG_LEVEL = env_str("LOG_LEVEL") or "INFO"
# Everything goes to one handler on the root logger, once.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults give "django" a console handler of its own while it also
        # propagates to the root: each line came out twice.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Libraries that narrate each step at INFO (WeasyPrint's "Step 1 - ..." for every PDF,
        # fontTools' font subsetting): only their warnings and errors are of interest.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
