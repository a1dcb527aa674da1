from django.urls import path

from broedplaats import views_programmer as views

urlpatterns = [
    path("applicants/", views.applicant_list, name="programmer-applicants"),
    path("applicants/<int:pk>/", views.applicant_detail, name="programmer-applicant-detail"),
    path("applicants/<int:pk>/notes/", views.applicant_note, name="programmer-applicant-note"),
    path("applicants/<int:pk>/screening/", views.applicant_screening,
         name="programmer-applicant-screening"),
    path("applicants/<int:pk>/status/", views.applicant_transition,
         name="programmer-applicant-transition"),
    path("applicants/<int:pk>/offer/", views.applicant_offer, name="programmer-applicant-offer"),
    path("buildings/<slug:slug>/tenancies/", views.tenancy_timeline,
         name="programmer-tenancies"),
    path("tenancies/<int:pk>/end/", views.tenancy_end_view, name="programmer-tenancy-end"),
    path("tenancies/<int:pk>/renew/", views.tenancy_renew_view,
         name="programmer-tenancy-renew"),
]
