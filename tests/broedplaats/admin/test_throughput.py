"""The admin of the throughput dashboards: public figures, and the summary's rebuilds."""

import pytest
from django.urls import reverse

from broedplaats.models import PublicFigure, StageSpell, ThroughputRefresh
from tests.factories import CityFactory, StageMoveFactory, UserFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_an_admin_publishes_a_figure_and_is_recorded_as_publisher(admin_client):
    city = CityFactory()
    response = admin_client.post(reverse("admin:broedplaats_publicfigure_add"),
                                 {"city": city.pk, "figure": "trends"})
    assert response.status_code == 302
    figure = PublicFigure.objects.get()
    assert (figure.city, figure.figure, figure.published_by.is_superuser) == (city, "trends", True)


def test_a_figure_cannot_be_published_twice(admin_client):
    city = CityFactory()
    PublicFigure.objects.create(city=city, figure="trends")
    response = admin_client.post(reverse("admin:broedplaats_publicfigure_add"),
                                 {"city": city.pk, "figure": "trends"})
    assert response.status_code == 200
    assert "This figure is already public." in response.content.decode()
    assert PublicFigure.objects.count() == 1


def test_rebuild_now_rebuilds_the_spells_and_lists_the_rebuild(admin_client, stages):
    StageMoveFactory(to_stage=stages[0])
    listing = admin_client.get(reverse("admin:broedplaats_throughputrefresh_changelist"))
    assert "Rebuild now" in listing.content.decode()
    response = admin_client.post(reverse("admin:broedplaats_throughputrefresh_rebuild"))
    assert response.status_code == 302
    assert ThroughputRefresh.objects.get().spells == StageSpell.objects.count() == 1


def test_rebuild_needs_a_post(admin_client):
    assert admin_client.get(reverse("admin:broedplaats_throughputrefresh_rebuild")).status_code == 403
    assert not ThroughputRefresh.objects.exists()


def test_the_admin_lists_the_views_computed_ahead_without_their_tables(admin_client, stages):
    from broedplaats.models import FigureSnapshot
    from broedplaats.services import figures_precompute

    amsterdam = CityFactory(name="Amsterdam")
    figures_precompute()
    listing = admin_client.get(reverse("admin:broedplaats_figuresnapshot_changelist"))
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "Amsterdam" in html and "the whole city" in html and "kind=studio" in html
    snapshot = FigureSnapshot.objects.get(city=amsterdam, view="", language="en")
    page = admin_client.get(reverse("admin:broedplaats_figuresnapshot_change", args=[snapshot.pk]))
    assert page.status_code == 200 and "tables" not in page.context["adminform"].form.fields
    # Read only: they are written by the nightly run alone.
    assert admin_client.get(reverse("admin:broedplaats_figuresnapshot_add")).status_code == 403
