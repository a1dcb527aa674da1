"""The API: one router for both apps, the OpenAPI schema and its docs, and token log-in.

Included under the `api` namespace (names such as `api:building-detail`), so the API's
names never clash with the pages'.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from broedplaats.api.views import BuildingViewSet, SpaceViewSet
from chains.api.views import ChainViewSet, DisciplineViewSet, StageViewSet

app_name = "api"

router = DefaultRouter()
router.register("buildings", BuildingViewSet, basename="building")
router.register("spaces", SpaceViewSet, basename="space")
router.register("chains", ChainViewSet, basename="chain")
router.register("disciplines", DisciplineViewSet, basename="discipline")
router.register("stages", StageViewSet, basename="stage")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("token/", obtain_auth_token, name="token"),
    path("", include(router.urls)),
]
