"""The API: one router for both apps, the OpenAPI schema and its docs, and token log-in
(personal tokens, broedplaats.api.accounts).

Included under the `api` namespace (names such as `api:building-detail`), so the API's
names never clash with the pages'.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from broedplaats.api.accounts import MyTokenViewSet, TokenLoginView
from broedplaats.api.allocation import (
    CallViewSet,
    MyApplicationViewSet,
    MyOfferViewSet,
    MyStageMovesView,
    MyTenancyViewSet,
    ProgrammerApplicationViewSet,
    ProgrammerCallViewSet,
    ProgrammerOfferViewSet,
    ProgrammerTenancyViewSet,
)
from broedplaats.api.errors import NotFoundView
from broedplaats.api.finder import FinderView
from broedplaats.api.matching import (
    BuildingWeightsView,
    CallCriteriaView,
    CommitteeScoreViewSet,
    MyApplicationChoicesView,
    MyApplicationRoundView,
    PathwayViewSet,
    ProgrammerRoundViewSet,
)
from broedplaats.api.places import BuildingViewSet, CityViewSet, SpaceViewSet
from broedplaats.api.privacy import MyErasureView, MyExportView
from broedplaats.api.spaces import ProgrammerSpaceViewSet
from broedplaats.api.throttling import AnonRateThrottle
from broedplaats.api.throughput import OpenDataFigureView, ThroughputFigureView
from chains.api.profile import MyPortfolioViewSet, MyProfileView
from chains.api.views import ChainViewSet, DisciplineViewSet, StageViewSet

app_name = "api"

router = DefaultRouter()
router.register("buildings", BuildingViewSet, basename="building")
router.register("spaces", SpaceViewSet, basename="space")
router.register("cities", CityViewSet, basename="city")
router.register("calls", CallViewSet, basename="call")
router.register("chains", ChainViewSet, basename="chain")
router.register("disciplines", DisciplineViewSet, basename="discipline")
router.register("stages", StageViewSet, basename="stage")
# Allocation: a creative's own rows under me/, a programmer's buildings' rows under programmer/.
router.register("me/applications", MyApplicationViewSet, basename="my-application")
router.register("me/offers", MyOfferViewSet, basename="my-offer")
router.register("me/tenancies", MyTenancyViewSet, basename="my-tenancy")
router.register("me/tokens", MyTokenViewSet, basename="my-token")
router.register("me/portfolio", MyPortfolioViewSet, basename="my-portfolio-image")
router.register("programmer/spaces", ProgrammerSpaceViewSet, basename="programmer-space")
router.register("programmer/calls", ProgrammerCallViewSet, basename="programmer-call")
router.register("programmer/applications", ProgrammerApplicationViewSet,
                basename="programmer-application")
router.register("programmer/offers", ProgrammerOfferViewSet, basename="programmer-offer")
router.register("programmer/tenancies", ProgrammerTenancyViewSet, basename="programmer-tenancy")
# Matching: rounds, the committee, fit weights and pathways (public to read).
router.register("programmer/rounds", ProgrammerRoundViewSet, basename="programmer-round")
router.register("programmer/committee-scores", CommitteeScoreViewSet,
                basename="programmer-committee-score")
router.register("pathways", PathwayViewSet, basename="pathway")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Its script served from its own URL, not inline, for the Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema",
                                                      template_name="api/swagger_ui.html"),
         name="docs"),
    # The token log-in is throttled like any anonymous call
    # (and locked out by axes past its failure limit, docs/security.md).
    path("token/", TokenLoginView.as_view(throttle_classes=[AnonRateThrottle]), name="token"),
    path("throughput/<str:figure>/", ThroughputFigureView.as_view(), name="throughput-figure"),
    path("open-data/<slug:slug>/<str:figure>/", OpenDataFigureView.as_view(),
         name="open-data-figure"),
    path("finder/", FinderView.as_view(), name="finder"),
    path("me/profile/", MyProfileView.as_view(), name="my-profile"),
    path("me/stage-moves/", MyStageMovesView.as_view(), name="my-stage-moves"),
    path("me/export/", MyExportView.as_view(), name="my-export"),
    path("me/erase/", MyErasureView.as_view(), name="my-erase"),
    path("programmer/calls/<int:pk>/criteria/", CallCriteriaView.as_view(),
         name="programmer-call-criteria"),
    path("programmer/buildings/<slug:slug>/weights/", BuildingWeightsView.as_view(),
         name="programmer-building-weights"),
    path("me/applications/<int:pk>/choices/", MyApplicationChoicesView.as_view(),
         name="my-application-choices"),
    path("me/applications/<int:pk>/round/", MyApplicationRoundView.as_view(),
         name="my-application-round"),
    path("", include(router.urls)),
    # Last: whatever no endpoint answers is a JSON 404, not the site's HTML page.
    re_path(r"", NotFoundView.as_view(), name="not-found"),
]
