from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from broedplaats.views import accounts, bureau, finder, health, pathways, privacy
from broedplaats.views import public as views
from broedplaats.views.forms.accounts import DeferredPasswordResetForm

urlpatterns = [
    path("", views.building_list, name="building-list"),
    # Browsers ask for /favicon.ico whatever the page links; send them to the static icon
    # (looked up per request: in production its name carries the file's hash).
    path("favicon.ico", RedirectView.as_view(url=lazy(static_url, str)("img/favicon.ico"))),
    # For load balancers: no database, no session (views/health.py).
    path("healthz", health.healthz, name="healthz"),
    # Early: the resolver tries the patterns in turn, and API calls are the most frequent.
    path("api/", include("broedplaats.api.urls")),
    path("buildings/<slug:slug>/", views.building_detail, name="building-detail"),
    path("home/", views.home, name="home"),
    path("home/creative/", views.creative_home, name="creative-home"),
    path("home/programmer/", bureau.programmer_home, name="programmer-home"),
    path("home/bureau/", bureau.bureau_home, name="bureau-home"),
    path("home/bureau/<slug:slug>/public/", bureau.figure_publish_view,
         name="bureau-figure-publish"),
    path("open-data/", bureau.open_data_index, name="open-data"),
    path("open-data/<slug:slug>/", bureau.open_data, name="open-data-city"),
    path("finder/", finder.finder, name="finder"),
    path("pathways/", pathways.pathway_list, name="pathway-list"),
    path("pathways/new/", pathways.pathway_new, name="pathway-new"),
    path("pathways/<int:pk>/edit/", pathways.pathway_edit, name="pathway-edit"),
    path("pathways/<int:pk>/archive/", pathways.pathway_archive_view, name="pathway-archive"),
    path("creatives/", include("chains.urls")),
    path("", include("broedplaats.views.urls.creative")),  # /calls/ and /me/
    path("programmer/", include("broedplaats.views.urls.programmer")),
    path("accounts/login/",
         auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/password/reset/",
         auth_views.PasswordResetView.as_view(form_class=DeferredPasswordResetForm),
         name="password_reset"),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("accounts/tokens/", accounts.token_list, name="account-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", accounts.token_revoke, name="account-token-revoke"),
    path("accounts/privacy/", privacy.privacy, name="account-privacy"),
    path("accounts/privacy/export/", privacy.export, name="account-privacy-export"),
    path("accounts/privacy/erase/", privacy.erase, name="account-privacy-erase"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A server error under /api/ is JSON like every other API error (api/errors.py).
handler500 = "broedplaats.api.errors.server_error"
