"""Settings for every environment, read from the environment (see .env.example).

DEBUG is off unless the environment turns it on; with DEBUG off the production hardening below
applies and a missing SECRET_KEY stops the process at start-up.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's .env beside manage.py is read if present; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-key-never-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random SECRET_KEY in the "
            "environment; generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
# The public address e-mail links and certificate QR codes are built from. In development it defaults to
# the development server's own address: `make run` (bin/dev) serves on PORT, 8000 unless set.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}" if DEBUG else "")
SITE_URL = SITE_URL.rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured(
        "SITE_URL is not set. Production needs the public address, e.g. https://training.example.gov.cn: "
        "e-mail links and certificate QR codes are built from it."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "csp",
    "common",
    "accounts",
    "notifications",
    "sessions.apps.TrainingSessionsConfig",
    "participants",
    "faculty",
    "nominations",
    "assessment",
    "evaluations",
    "practice",
    "certificates",
    "demo",
]

MIDDLEWARE = [
    "trainingprog.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and AuthenticationMiddleware: the language a signed-in person chose wins.
    "accounts.language.ChosenLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "common.nullchars.RejectNullCharactersMiddleware",
    "common.licences.LicenceFreeQueryMiddleware",
    "trainingprog.errors.QueryCancelledMiddleware",
    # Axes must come last: it answers for the views before it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trainingprog.urls"
WSGI_APPLICATION = "trainingprog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web process and a worker at once: wait for locks, take the
    # write lock up front so concurrent transactions queue instead of failing, and use WAL.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any query its planner thinks costly, and the completion figures (an
    # aggregate with a subquery) look costly: ~0.9 s of compiling for a 40 ms query at 10,000 lawyers.
    # Our queries are short; JIT only adds latency.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# No query outlives the web request that asked for it: gunicorn gives up on a request after its timeout and kills
# its worker, but PostgreSQL would run the query on. PostgreSQL cancels it first (by default at four fifths of
# gunicorn's timeout, leaving time to answer) and the visitor gets the 503 page (trainingprog/errors.py).
# Web processes only, on PostgreSQL: under gunicorn, trainingprog/gunicorn.conf.py's post_fork says a worker is
# one and passes the timeout gunicorn really applies, however it was given; trainingprog/wsgi.py and asgi.py
# say so for other servers. `manage.py runserver`, Celery workers and management commands keep no limit.
# Seconds; 0 = none (as is GUNICORN_TIMEOUT=0, gunicorn's "no timeout").
GUNICORN_TIMEOUT = env.int("GUNICORN_TIMEOUT", default=30)
WEB_STATEMENT_TIMEOUT = env.float("WEB_STATEMENT_TIMEOUT", default=0.8 * GUNICORN_TIMEOUT)
if WEB_STATEMENT_TIMEOUT < 0:
    raise ImproperlyConfigured("WEB_STATEMENT_TIMEOUT is in seconds: 0 (no limit) or more.")
_web_process = env.bool("TRAININGPROG_WEB_PROCESS", default=False)
if _web_process and GUNICORN_TIMEOUT and WEB_STATEMENT_TIMEOUT >= GUNICORN_TIMEOUT:
    raise ImproperlyConfigured(
        f"WEB_STATEMENT_TIMEOUT={WEB_STATEMENT_TIMEOUT:g} s is not below gunicorn's timeout of {GUNICORN_TIMEOUT} s: "
        "a query would outlive the request gunicorn gave up on. Leave WEB_STATEMENT_TIMEOUT unset (four fifths of "
        "the timeout) or set it lower."
    )
if _web_process and WEB_STATEMENT_TIMEOUT and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"]["options"] += f" -c statement_timeout={round(WEB_STATEMENT_TIMEOUT * 1000)}"
# A web request waits for a lock at most this long (seconds; 0 = until the statement timeout): someone else is
# changing the same rows (a colleague, an import holding a program). A seat change or an admission decision then
# says "try again" on the page the person is on (participants/services.py), any other page answers the 503 page,
# long before the statement timeout would. Web processes only, as above; PostgreSQL only.
WEB_LOCK_TIMEOUT = env.float("WEB_LOCK_TIMEOUT", default=5)
if WEB_LOCK_TIMEOUT < 0:
    raise ImproperlyConfigured("WEB_LOCK_TIMEOUT is in seconds: 0 (no limit) or more.")
if _web_process and WEB_LOCK_TIMEOUT and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"]["options"] += f" -c lock_timeout={round(WEB_LOCK_TIMEOUT * 1000)}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=int(timedelta(hours=24).total_seconds()))
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)


# Login throttling: lock a (user, address) pair, never a whole office behind one address for one person's
# mistakes (the address-wide limit below is for guessing across many accounts). Each limit is checked here, so
# a value that would lock everyone out (0 wrong passwords allowed) stops the start instead.
def _limit(name: str, default: int, *, off: bool = False) -> int:
    """A count from the environment: 1 or more, or also 0 where `off` says 0 turns the limit off."""
    value = env.int(name, default=default)
    if value < (0 if off else 1):
        raise ImproperlyConfigured(
            f"{name}={value}: give a whole number of 1 or more" + (", or 0 for no limit." if off else ".")
        )
    return value


AXES_FAILURE_LIMIT = _limit("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_limit("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try refused during a pause is not recorded as one more failure: otherwise everyone trying again, right
# passwords included, would keep the pause going for good.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.auth.locked_out"
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
# X-Forwarded-For is believed only as far as the proxies we run: otherwise anyone could send a new
# address with each guess and never be locked out, or share the proxy's address with everyone.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of our proxies in front of the app: 0 or more.")
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
AXES_VERBOSE = False
# One password tried on account after account from one address (spraying) trips no per-account count: the
# handler also pauses an address once wrong passwords from it were tried on this many existing accounts
# within the cool-off (typos of an address, accounts that then sign in, and accounts that have signed in from
# there before do not count: accounts/backends.py). 0 = off.
AXES_HANDLER = "accounts.backends.AddressAwareAxesHandler"
SIGN_IN_FAILURES_PER_ADDRESS = _limit("SIGN_IN_FAILURES_PER_ADDRESS", 20, off=True)
# Password reset requests an hour for one e-mail address, and from one network address; 0 = no limit.
PASSWORD_RESETS_PER_EMAIL_PER_HOUR = _limit("PASSWORD_RESETS_PER_EMAIL_PER_HOUR", 5, off=True)
PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = _limit("PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 20, off=True)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    # Shared media for several web and worker machines: any S3-compatible store.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
FILE_UPLOAD_PERMISSIONS = 0o640
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)
IMPORT_SYNC_ROWS = env.int("IMPORT_SYNC_ROWS", default=300)  # larger files import in the background
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
# Session materials: the largest file taken, and nginx's internal location for X-Accel-Redirect (unset =
# the app streams files itself), e.g. "/protected-media/" with `location /protected-media/ { internal;
# alias <MEDIA_ROOT>/; }`.
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=50 * 1024 * 1024)
# Public certificate look-ups a minute from one address: enough for people (a bar association checking a
# list behind one address may want more), too few for guessing codes.
CERTIFICATE_VERIFICATIONS_PER_MINUTE = env.int("CERTIFICATE_VERIFICATIONS_PER_MINUTE", default=30)
MATERIAL_X_ACCEL_PREFIX = env.str("MATERIAL_X_ACCEL_PREFIX", default="")
# The Chinese TrueType font embedded in PDFs (common/pdf.py uses Debian's AR PL UMing when unset).
PDF_FONT = env.str("PDF_FONT", default="")


# --- E-mail -----------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587/?tls=true (STARTTLS), smtp+ssl://user:pass@host:465 or smtps://… (TLS
# from the first byte; port 465 unless given), consolemail://, filemail:///var/mail/training (three slashes: an
# absolute folder) or filemail://var/mail (relative to the folder of manage.py). Values in the user and
# password are percent-encoded (@ is %40).
def _email_settings(url: str) -> dict:
    """Django's e-mail settings from EMAIL_URL. django-environ's reading is corrected where it is wrong: it
    drops the leading slash of filemail:///abs/path (and takes a relative path's first folder for a host),
    it leaves ?tls=true and ?ssl=true in OPTIONS, where nothing reads them, it reads smtps:// as STARTTLS
    (smtps is TLS from the first byte, RFC 8314, on port 465: STARTTLS there hangs), and it leaves the port of
    an address without one at 25, where no server speaks TLS from the first byte."""
    address, _, query = url.partition("?")
    parsed = environ.Env.email_url_config(address)
    if address.split("://", 1)[0].lower() == "smtps":
        parsed["EMAIL_USE_TLS"], parsed["EMAIL_USE_SSL"] = False, True
    options = {key.lower(): values[-1] for key, values in parse_qs(query).items()}
    for name in ("tls", "ssl"):
        value = options.pop(name, options.pop(f"email_use_{name}", None))
        if value is None:
            continue
        if value.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ImproperlyConfigured(f"EMAIL_URL: {name}={value} is neither true nor false.")
        parsed[f"EMAIL_USE_{name.upper()}"] = value.lower() in ("true", "1", "yes", "on")
    if options:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown option(s) {', '.join(sorted(options))}; tls and ssl are known.")
    if parsed.get("EMAIL_USE_TLS") and parsed.get("EMAIL_USE_SSL"):
        raise ImproperlyConfigured("EMAIL_URL: choose tls (STARTTLS, usually port 587) or ssl (port 465), not both.")
    if parsed.get("EMAIL_USE_SSL") and not parsed.get("EMAIL_PORT"):
        parsed["EMAIL_PORT"] = 465
    if parsed["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
        path = unquote(address.split("://", 1)[1])
        parsed["EMAIL_FILE_PATH"] = str(BASE_DIR / path) if path else str(VAR_DIR / "mail")
    return parsed


_email = _email_settings(env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://127.0.0.1:25"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or ""
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="培训项目办公室 <training@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any retry countdown (capped at 30 minutes), so a delayed task is not
        # handed to a second worker while the first still holds it.
        "visibility_timeout": 2 * 3600,
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
    }
else:
    # Embedded broker for `make run`: kombu's filesystem transport, so a real worker process runs
    # the same tasks as production without Redis.
    BROKER_FILESYSTEM_DIR = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(BROKER_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(BROKER_FILESYSTEM_DIR / "processed"),
        "control_folder": str(BROKER_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (BROKER_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = TIME_ZONE  # crontab schedules read in Beijing time
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
NOTIFICATION_SWEEP_SECONDS = env.int("NOTIFICATION_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    # The outbox sweep sends what could not be queued (broker down) or was lost with a worker.
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": float(NOTIFICATION_SWEEP_SECONDS),
        "options": {"expires": NOTIFICATION_SWEEP_SECONDS * 0.9},
    },
    # Password resets noted while the broker was down are e-mailed (accounts.services.password_reset_sweep).
    "password-resets-sweep": {
        "task": "accounts.tasks.sweep_password_resets",
        "schedule": float(NOTIFICATION_SWEEP_SECONDS),
        "options": {"expires": NOTIFICATION_SWEEP_SECONDS * 0.9},
    },
    # Provinces whose list is not with the office while their round is open: reminded at 09:00 Beijing time.
    "nominations-reminder": {
        "task": "nominations.tasks.remind_unsubmitted",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 3600},
    },
    # Each coordinator's digest of the week's nominations and their lawyers at risk: Mondays, 08:00 Beijing time.
    "nominations-digest": {
        "task": "nominations.tasks.send_weekly_digests",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
        "options": {"expires": 6 * 3600},
    },
    # Lawyers who have not answered a questionnaire a day after it opened: reminded once (hourly sweep).
    "evaluations-reminder": {
        "task": "evaluations.tasks.remind_unanswered",
        "schedule": crontab(minute=15),
        "options": {"expires": 3000},
    },
    # Materials whose release time has come (or whose notice could not be queued) are announced.
    "materials-released": {
        "task": "faculty.tasks.announce_released_materials",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
    # The lawyers told their team places once a session's teams have settled (practice.services.QUIET).
    "team-places": {
        "task": "practice.tasks.announce_places",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
    # Certificate PDFs a killed worker's batch left behind (certificates.services.orphan_pdfs_remove): a worker
    # restarted at once finds them too young to remove at its start.
    "certificate-orphans-sweep": {
        "task": "certificates.tasks.remove_orphan_pdfs",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Imports left queued or running past the import task's time limit are given back to be started again.
    "imports-release": {
        "task": "participants.tasks.release_stale_imports",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
}
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)

# --- Cache ------------------------------------------------------------------------------------
if REDIS_URL:
    # Redis restarting must not take the site down: reads miss and writes are dropped meanwhile (cache.py).
    CACHES = {
        "default": {
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are kept in the database and read through the cache: a signed-in request costs no query for them.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- UI ---------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SITE_NAME = _("Foreign-related IPR Lawyers Training")

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 14 * 24 * 3600
CSRF_FAILURE_VIEW = "trainingprog.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "trainingprog.requestlog.RequestIdFilter"},
        "redact_licences": {"()": "common.licences.LicenceRedactingFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_licences"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's lines (requests, the development server's access lines) through the handler
        # above, redacted like the rest, instead of through Django's default handlers.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
