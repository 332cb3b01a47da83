"""The office's inbox of problems raised through every channel."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views import View

from .forms import ProblemFilterForm
from .selectors import problems_filter, problems_visible_to


class ProblemListView(PermissionRequiredMixin, View):
    permission_required = "core.assign_problems"
    raise_exception = True
    page_size = 30

    def get(self, request):
        data = request.GET.copy() if request.GET else None
        form = ProblemFilterForm(data)
        problems = problems_filter(problems_visible_to(request.user), **form.filters())
        problems = problems.select_related(
            "enterprise", "enterprise__town", "raised_by", "raised_by__unit"
        ).order_by("-raised_at", "-id")
        page = Paginator(problems, self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "issues/problem_list.html",
            {"form": form, "page": page, "query": query.urlencode()},
        )
