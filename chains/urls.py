"""The creatives' portal, mounted under /creatives/ by broedplaats.urls."""

from django.urls import path

from chains import views

urlpatterns = [
    path("sign-up/", views.sign_up, name="creative-signup"),
    path("sign-up/done/", views.sign_up_done, name="creative-signup-done"),
    path("verify/<uidb64>/<token>/", views.verify_email, name="creative-verify"),
    path("profile/", views.profile, name="creative-profile"),
    path("portfolio/", views.portfolio, name="creative-portfolio"),
    path("portfolio/<int:pk>/remove/", views.portfolio_remove, name="creative-portfolio-remove"),
]
