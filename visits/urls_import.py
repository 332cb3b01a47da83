"""The pairing import pages (included by visits/urls.py)."""

urlpatterns: list = []
