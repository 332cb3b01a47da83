"""A URLconf with a view that fails, to see the 500 page a user would get."""

from django.urls import include, path


def failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", failing_view), path("", include("linan_visits.urls"))]
