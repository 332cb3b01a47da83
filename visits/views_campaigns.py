"""Campaigns and their coverage; pairings and their coverage ("全覆盖")."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip

from .forms import (
    CampaignForm,
    PairingFilterForm,
)
from .models import Campaign, Pairing
from .selectors import (
    campaign_coverage,
    campaign_targets_filter,
    campaigns_listed,
    enterprises_unpaired,
    pairing_coverage,
    pairings_filter,
    pairings_visible_to,
    unit_named,
)
from .services import (
    campaign_create,
    campaign_has_visits,
    campaign_update,
)
from .views import paginate

# --- Campaigns -------------------------------------------------------------------------------


class CampaignListView(PermissionRequiredMixin, View):
    permission_required = "core.manage_campaigns"
    raise_exception = True

    def get(self, request):
        campaigns = list(campaigns_listed())
        for campaign in campaigns:
            campaign.rate = (
                round(100 * campaign.visited_count / campaign.target_count, 1)
                if campaign.target_count
                else None
            )
        return render(
            request,
            "visits/campaign_list.html",
            {"campaigns": campaigns, "today": timezone.localdate()},
        )


class _CampaignFormView(PermissionRequiredMixin, View):
    permission_required = "core.manage_campaigns"
    raise_exception = True

    def _render(self, request, form, campaign=None, status=200):
        return render(
            request,
            "visits/campaign_form.html",
            {
                "form": form,
                "campaign": campaign,
                "filter_locked": campaign is not None and campaign_has_visits(campaign),
            },
            status=status,
        )

    def _apply(self, request, form, campaign=None):
        if not form.is_valid():
            return self._render(request, form, campaign, status=400)
        data = form.cleaned_data
        values = {
            "name": data["name"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "description": data.get("description", ""),
            "size_classes": list(data.get("size_classes") or []),
            "tiers": list(data.get("tiers") or []),
            "towns": list(data.get("towns") or []),
            "actor": request.user,
            "ip_address": client_ip(request),
        }
        try:
            if campaign is None:
                campaign = campaign_create(**values)
                messages.success(
                    request,
                    _("Campaign created with %(count)d target firms.")
                    % {"count": campaign.targets.count()},
                )
            else:
                campaign = campaign_update(campaign=campaign, **values)
                messages.success(request, _("Campaign saved."))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self._render(request, form, campaign, status=400)
        return redirect("visits:campaign_detail", pk=campaign.pk)


class CampaignCreateView(_CampaignFormView):
    def get(self, request):
        return self._render(request, CampaignForm())

    def post(self, request):
        return self._apply(request, CampaignForm(request.POST))


class CampaignEditView(_CampaignFormView):
    def _campaign(self, pk):
        try:
            return Campaign.objects.get(pk=pk)
        except Campaign.DoesNotExist as exc:
            raise Http404 from exc

    def get(self, request, pk):
        campaign = self._campaign(pk)
        return self._render(request, CampaignForm(instance=campaign), campaign)

    def post(self, request, pk):
        campaign = self._campaign(pk)
        # A bound ModelForm writes into its instance; give it a copy so the service compares
        # the stored filter with the new one.
        form = CampaignForm(request.POST, instance=Campaign.objects.get(pk=pk))
        return self._apply(request, form, campaign)


class CampaignDetailView(PermissionRequiredMixin, View):
    """Coverage per responsible unit and per town; every number links to its firms."""

    permission_required = "core.manage_campaigns"
    raise_exception = True

    def get(self, request, pk):
        try:
            campaign = Campaign.objects.prefetch_related("towns").get(pk=pk)
        except Campaign.DoesNotExist as exc:
            raise Http404 from exc
        return render(
            request,
            "visits/campaign_detail.html",
            {"campaign": campaign, "coverage": campaign_coverage(campaign)},
        )


class CampaignTargetListView(PermissionRequiredMixin, View):
    permission_required = "core.manage_campaigns"
    raise_exception = True
    page_size = 50

    def get(self, request, pk):
        try:
            campaign = Campaign.objects.get(pk=pk)
        except Campaign.DoesNotExist as exc:
            raise Http404 from exc
        unit = request.GET.get("unit", "")
        town = request.GET.get("town", "")
        visited = request.GET.get("visited", "")
        targets = campaign_targets_filter(campaign, unit=unit, town=town, visited=visited)
        page, query = paginate(request, targets, self.page_size)
        return render(
            request,
            "visits/campaign_targets.html",
            {
                "campaign": campaign,
                "page": page,
                "query": query,
                "unit": unit_named(unit),
                "unpaired": unit == "none",
                "town": unit_named(town),
                "visited": visited,
            },
        )


# --- Pairings --------------------------------------------------------------------------------


class _PairingAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.has_perm("core.manage_campaigns") or user.has_perm("core.import_data")):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PairingListView(_PairingAccessMixin, View):
    page_size = 50

    def get(self, request):
        form = PairingFilterForm(request.GET or None)
        filters = form.filters()
        pairings = pairings_filter(pairings_visible_to(request.user), **filters).select_related(
            "enterprise", "enterprise__town", "cadre", "unit"
        )
        page, query = paginate(request, pairings, self.page_size)
        return render(
            request,
            "visits/pairing_list.html",
            {
                "form": form,
                "page": page,
                "query": query,
                "can_import": request.user.has_perm("core.import_data"),
            },
        )


class PairingCoverageView(_PairingAccessMixin, View):
    """全覆盖: counts per tier and the operating firms no pairing covers."""

    page_size = 50

    def get(self, request):
        coverage = pairing_coverage()
        unpaired = enterprises_unpaired()
        size = request.GET.get("size", "")
        if size:
            unpaired = unpaired.filter(size_class=size)
        page, query = paginate(request, unpaired, self.page_size)
        return render(
            request,
            "visits/pairing_coverage.html",
            {
                "coverage": coverage,
                "page": page,
                "query": query,
                "size": size,
                "tiers": Pairing.Tier,
            },
        )
