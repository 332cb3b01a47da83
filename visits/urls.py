from django.urls import include, path

from . import views, views_campaigns

app_name = "visits"

urlpatterns = [
    path("", views.MyFirmsView.as_view(), name="my_firms"),
    path("firms/<int:firm_pk>/new/", views.VisitCreateView.as_view(), name="visit_create"),
    path("surveys/", views.VisitListView.as_view(), name="visit_list"),
    path("surveys/<int:pk>/", views.VisitDetailView.as_view(), name="visit_detail"),
    path("surveys/<int:pk>/edit/", views.VisitEditView.as_view(), name="visit_edit"),
    path("surveys/<int:pk>/submit/", views.VisitSubmitView.as_view(), name="visit_submit"),
    path("surveys/<int:pk>/discard/", views.VisitDiscardView.as_view(), name="visit_discard"),
    path("campaigns/", views_campaigns.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views_campaigns.CampaignCreateView.as_view(), name="campaign_create"),
    path(
        "campaigns/<int:pk>/", views_campaigns.CampaignDetailView.as_view(), name="campaign_detail"
    ),
    path(
        "campaigns/<int:pk>/edit/", views_campaigns.CampaignEditView.as_view(), name="campaign_edit"
    ),
    path(
        "campaigns/<int:pk>/targets/",
        views_campaigns.CampaignTargetListView.as_view(),
        name="campaign_targets",
    ),
    path("pairings/", views_campaigns.PairingListView.as_view(), name="pairing_list"),
    path(
        "pairings/coverage/", views_campaigns.PairingCoverageView.as_view(), name="pairing_coverage"
    ),
    path("pairings/import/", include("visits.urls_import")),
    path("meetings/", include("visits.urls_meetings")),
]
