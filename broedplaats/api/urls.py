"""The API: one router for both apps, the OpenAPI schema and its docs, and token log-in.

Included under the `api` namespace (names such as `api:building-detail`), so the API's
names never clash with the pages'.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from broedplaats.api.allocation import (
    MyApplicationViewSet,
    MyOfferViewSet,
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
from broedplaats.api.places import BuildingViewSet, SpaceViewSet
from broedplaats.api.throughput import OpenDataFigureView, ThroughputFigureView
from chains.api.views import ChainViewSet, DisciplineViewSet, StageViewSet

app_name = "api"

router = DefaultRouter()
router.register("buildings", BuildingViewSet, basename="building")
router.register("spaces", SpaceViewSet, basename="space")
router.register("chains", ChainViewSet, basename="chain")
router.register("disciplines", DisciplineViewSet, basename="discipline")
router.register("stages", StageViewSet, basename="stage")
# Allocation: a creative's own rows under me/, a programmer's buildings' rows under programmer/.
router.register("me/applications", MyApplicationViewSet, basename="my-application")
router.register("me/offers", MyOfferViewSet, basename="my-offer")
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
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("token/", obtain_auth_token, name="token"),
    path("throughput/<str:figure>/", ThroughputFigureView.as_view(), name="throughput-figure"),
    path("open-data/<slug:slug>/<str:figure>/", OpenDataFigureView.as_view(),
         name="open-data-figure"),
    path("finder/", FinderView.as_view(), name="finder"),
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
