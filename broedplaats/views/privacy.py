"""The creative's privacy page: download everything held about them, or erase their account.

Thin: selectors.privacy reads the export, services.privacy erases. There is no id in these
URLs: a creative can only ever reach their own data (docs/privacy.md).
"""

import tempfile

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats.models import ErasureRequest
from broedplaats.roles import roles_of
from broedplaats.selectors.privacy import creative_export_write
from broedplaats.services import creative_erase
from broedplaats.views.forms.privacy import ErasureConfirmForm
from chains.forms import add_service_errors
from chains.models import Creative

# Past this size the export is written to disk instead of memory (a portfolio of originals).
SPOOL_BYTES = 8 * 1024 * 1024


def _own_creative(request) -> Creative:
    """The signed-in creative's row; other roles (an admin too: they export in the admin) get
    403, a creative without a profile 404."""
    if not roles_of(request.user).creative:
        raise PermissionDenied
    creative = Creative.objects.filter(user=request.user).first()
    if creative is None:
        raise Http404(_("Your account is not linked to a creative profile yet."))
    return creative


def export_response(creative: Creative) -> FileResponse:
    """A creative's export as a zip download, written to a temporary file first."""
    now = timezone.now()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    creative_export_write(creative=creative, at=now, out=out)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, content_type="application/zip",
                            filename=f"broedplaats-export-{now:%Y-%m-%d}.zip")
    response["Cache-Control"] = "no-store"  # personal data: no cache keeps a copy
    return response


@login_required
def privacy(request):
    """What is held and why (docs/privacy.md in short), the export and the erasure."""
    creative = _own_creative(request)
    return render(request, "broedplaats/account_privacy.html",
                  {"creative": creative, "form": ErasureConfirmForm()})


@login_required
def export(request):
    return export_response(_own_creative(request))


@login_required
@require_POST
def erase(request):
    creative = _own_creative(request)
    form = ErasureConfirmForm(request.POST)
    if form.is_valid():
        # authenticate(), not check_password: wrong passwords count towards axes' lock-out.
        if authenticate(request, username=request.user.get_username(),
                        password=form.cleaned_data["password"]) is None:
            form.add_error("password", _("This is not your password."))
        else:
            try:
                creative_erase(creative=creative, by=request.user, at=timezone.now(),
                               requested=ErasureRequest.SELF)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                logout(request)
                messages.success(request, _("Your account and your personal data are erased. "
                                            "Thank you for having been with us."))
                return redirect("building-list")
    return render(request, "broedplaats/account_privacy.html",
                  {"creative": creative, "form": form}, status=400)
