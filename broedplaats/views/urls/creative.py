"""URLs of the creatives' allocation pages (/me/...) and the public open calls (/calls/...)."""

from django.urls import path

from broedplaats.views import creative as views

urlpatterns = [
    path("calls/", views.call_list, name="call-list"),
    path("calls/<int:pk>/", views.call_detail, name="call-detail"),
    path("me/applications/", views.application_list, name="creative-applications"),
    path("me/applications/new/", views.application_new, name="creative-application-new"),
    path("me/applications/<int:pk>/submit/", views.application_submit_view,
         name="creative-application-submit"),
    path("me/applications/<int:pk>/withdraw/", views.application_withdraw_view,
         name="creative-application-withdraw"),
    path("me/applications/<int:pk>/choices/", views.application_choices_view,
         name="creative-application-choices"),
    path("me/offers/<int:pk>/accept/", views.offer_accept_view, name="creative-offer-accept"),
    path("me/offers/<int:pk>/decline/", views.offer_decline_view, name="creative-offer-decline"),
]
