from django.urls import path

from broedplaats.views import places
from broedplaats.views import programmer as views

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
    path("tenancies/<int:pk>/", views.tenancy_detail, name="programmer-tenancy-detail"),
    path("tenancies/<int:pk>/stage-move/", views.tenancy_stage_move_view,
         name="programmer-tenancy-stage-move"),
    path("tenancies/<int:pk>/social-return/", views.tenancy_social_return_view,
         name="programmer-tenancy-social-return"),
    path("tenancies/<int:pk>/end/", views.tenancy_end_view, name="programmer-tenancy-end"),
    path("tenancies/<int:pk>/renew/", views.tenancy_renew_view,
         name="programmer-tenancy-renew"),
    path("buildings/<slug:slug>/spaces/", places.space_list, name="programmer-spaces"),
    path("buildings/<slug:slug>/spaces/new/", places.space_new, name="programmer-space-new"),
    path("spaces/<int:pk>/", places.space_edit, name="programmer-space-edit"),
    path("spaces/<int:pk>/archive/", places.space_archive_view,
         name="programmer-space-archive"),
    path("spaces/<int:pk>/photos/", places.space_photo_upload, name="programmer-space-photo"),
    path("photos/<int:pk>/delete/", places.space_photo_delete,
         name="programmer-space-photo-delete"),
    path("calls/", places.call_list, name="programmer-calls"),
    path("buildings/<slug:slug>/calls/new/", places.call_new, name="programmer-call-new"),
    path("calls/<int:pk>/", places.call_edit, name="programmer-call-edit"),
    path("calls/<int:pk>/publish/", places.call_publish_view, name="programmer-call-publish"),
]
