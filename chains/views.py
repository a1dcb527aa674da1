"""Pages of the creatives' portal: sign up and verify, profile, portfolio.

Thin: forms parse, chains.services writes, chains.selectors reads.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chains import emails, images, services
from chains.forms import PortfolioUploadForm, ProfileForm, SignUpForm, add_service_errors
from chains.models import Creative, PortfolioImage
from chains.selectors import creative_latest_move, portfolio_of


def _own_creative(request) -> Creative:
    """The signed-in creative's profile; other roles get 403, a creative without one 404."""
    if not request.user.groups.filter(name=services.CREATIVE_GROUP).exists():
        raise PermissionDenied
    creative = Creative.objects.select_related("discipline__chain").filter(
        user=request.user).first()
    if creative is None:
        raise Http404(_("Your account is not linked to a creative profile yet."))
    return creative


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.creative_sign_up(**form.cleaned_data,
                                      site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("creative-signup-done")
    return render(request, "chains/sign_up.html", {"form": form})


def sign_up_done(request):
    return render(request, "chains/sign_up_done.html")


def verify_email(request, uidb64: str, token: str):
    """GET asks to confirm, POST activates and logs in.

    Activating on GET would let mail scanners that open links use up the link before the
    creative clicks it.
    """
    if request.method == "POST":
        try:
            user = services.creative_verify_email(uidb64=uidb64, token=token)
        except ValidationError:
            return render(request, "chains/verify_invalid.html", status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your email address is confirmed. Welcome to Broedplaats!"))
        return redirect("creative-home")
    if emails.user_for_verification(uidb64=uidb64, token=token) is None:
        return render(request, "chains/verify_invalid.html", status=400)
    return render(request, "chains/verify_confirm.html")


@login_required
def profile(request):
    creative = _own_creative(request)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(creative))
    if request.method == "POST" and form.is_valid():
        try:
            services.creative_update(creative=creative, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            # The service changed the object in memory before refusing; show what is stored.
            creative.refresh_from_db()
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("creative-profile")
    return render(request, "chains/profile.html", {
        "creative": creative, "form": form, "latest": creative_latest_move(creative=creative),
    })


@login_required
def portfolio(request):
    creative = _own_creative(request)
    form = PortfolioUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # Called outside any transaction of ours: the service opens its own, so a failed
        # commit deletes the files it wrote (docs/portfolio.md).
        try:
            services.portfolio_image_add(creative=creative, file=form.cleaned_data["image"],
                                         caption=form.cleaned_data["caption"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The image is added to your portfolio."))
            return redirect("creative-portfolio")
    return render(request, "chains/portfolio.html", {
        "creative": creative, "form": form, "images": list(portfolio_of(creative=creative)),
        "limit": images.PORTFOLIO_LIMIT,
    })


@login_required
@require_POST
def portfolio_remove(request, pk: int):
    creative = _own_creative(request)
    image = get_object_or_404(PortfolioImage, pk=pk, creative=creative)
    services.portfolio_image_remove(image=image)
    messages.success(request, _("The image is removed from your portfolio."))
    return redirect("creative-portfolio")
