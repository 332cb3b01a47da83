"""Settings for pytest. Same stack as production, minus the slow parts."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Hashing is not what the tests measure; the validators still run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Tests of a real worker (CELERY_BROKER_URL set) need results; eager otherwise, as in local.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL", default="")
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The demo (seed_demo, browser tests) with a few dozen firms instead of 1,300.
DEMO_FIRM_COUNT = 40
