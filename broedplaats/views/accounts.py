"""The account page's personal API tokens: make one (its key shown once), see them, revoke one.

Any signed-in user, whatever their role, has their own tokens; another's token is not found.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats.selectors.accounts import api_tokens_of
from broedplaats.services import api_token_create, api_token_revoke
from broedplaats.views.forms.accounts import ApiTokenForm
from chains.forms import write_with_form

SUGGESTED_DAYS = 90  # the expiry the form suggests; the user may choose another


@login_required
def token_list(request):
    """The user's tokens and a form to make one; right after making one its key is shown, the
    only time it can be read."""
    today = timezone.localdate()
    form = ApiTokenForm(request.POST or None,
                        initial={"expires_on": today + timedelta(days=SUGGESTED_DAYS)})
    made = None

    def write(data):
        nonlocal made
        made = api_token_create(user=request.user, on=today, **data)

    status = 200
    if request.method == "POST":
        if write_with_form(form, write):
            form = ApiTokenForm(initial={"expires_on": today + timedelta(days=SUGGESTED_DAYS)})
        else:
            status = 400
    tokens = [(token, token.state_on(today)) for token in api_tokens_of(request.user)]
    response = render(request, "broedplaats/account_tokens.html", {
        "form": form, "tokens": tokens, "made": made and made[0], "key": made and made[1],
    }, status=status)
    # The key is in this page only: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(api_tokens_of(request.user), pk=pk)
    api_token_revoke(token=token, at=timezone.now())
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("account-tokens")
