"""Development on one machine: `make run`. Safe defaults, DEBUG on, SQLite unless DATABASE_URL."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="local-only-not-secret-9bXq2v7Lr4Tt0wZk1Hs8Nd3Fm6Gc5Jp",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
