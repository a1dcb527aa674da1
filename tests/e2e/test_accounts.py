"""A creative forgets their password, sets a new one from the mailed link, logs in with it and
changes it again, on a phone's 390 px: nothing scrolls sideways."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from broedplaats.roles import CREATIVE
from tests.e2e.steps import log_in
from tests.factories import CreativeFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

EMAIL = "annemarie.van.der.heijden-bakker@voorbeeld-atelier.example.org"
NEW = "lindeboom-werkplaats-7"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_forgotten_password_to_a_changed_one_on_a_phone(page):
    user = UserFactory(username=EMAIL, email=EMAIL, roles=[CREATIVE])
    CreativeFactory(user=user, name="Annemarie")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/accounts/login/")
    page.click("a[href='/accounts/password/reset/']")
    assert no_sideways_scroll(page)
    page.fill("input[name=email]", EMAIL.upper())
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/accounts/password/reset/done/")
    assert no_sideways_scroll(page)

    [message] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+", message.body).group()).path
    page.goto(link)
    assert no_sideways_scroll(page)
    page.fill("input[name=new_password1]", "12345678")
    page.fill("input[name=new_password2]", "12345678")
    page.click("form.stacked button[type=submit]")
    # Dutch by default, beside the field.
    assert "Dit wachtwoord bevat alleen cijfers." in page.locator(
        "p:has(input[name=new_password2]) .error").inner_text()
    page.fill("input[name=new_password1]", NEW)
    page.fill("input[name=new_password2]", NEW)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/accounts/reset/done/")

    log_in(page, EMAIL, NEW)
    page.wait_for_url("**/home/creative/")
    assert no_sideways_scroll(page)
    page.click("header a[href='/accounts/password/change/']")
    assert no_sideways_scroll(page)
    page.fill("input[name=old_password]", "fout")
    page.fill("input[name=new_password1]", "werkplaats-lindeboom-8")
    page.fill("input[name=new_password2]", "werkplaats-lindeboom-8")
    page.click("form.stacked button[type=submit]")
    assert page.locator("p:has(input[name=old_password]) .error").inner_text() == (
        "Uw oude wachtwoord is niet juist ingevoerd. Voer het opnieuw in.")
    page.fill("input[name=old_password]", NEW)
    page.fill("input[name=new_password1]", "werkplaats-lindeboom-8")
    page.fill("input[name=new_password2]", "werkplaats-lindeboom-8")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/accounts/password/change/done/")
    assert no_sideways_scroll(page)
    user.refresh_from_db()
    assert user.check_password("werkplaats-lindeboom-8")
