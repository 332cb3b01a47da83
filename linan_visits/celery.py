"""Celery application.

Reads every ``CELERY_*`` Django setting. With no ``CELERY_BROKER_URL`` configured the settings
turn on ``task_always_eager``, so the embedded SQLite default runs tasks inline and needs no Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linan_visits.settings.local")

app = Celery("linan_visits")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
