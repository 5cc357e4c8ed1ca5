"""Saved case-list views: a person names the current filters and search and picks them again; per
person, per organization, never seen or deleted by anyone else."""

import pytest
from django.urls import reverse

from acorn_portal.models import Membership
from refunds.models import SavedView

pytestmark = pytest.mark.django_db

LIST = reverse("admin:refunds_chargeback_changelist")
SAVE = reverse("saved_views:save")
QUERY = "queue=overdue&family__exact=price_claim&q=2JK3S9VC"


def _views(client):
    from refunds.saved_views import views_for

    response = client.get(LIST)
    assert response.status_code == 200
    return views_for(response.wsgi_request)


def test_a_person_saves_the_current_filters_and_picks_them_again(client, org, ops):
    client.force_login(ops)
    response = client.post(SAVE, {"name": "Overdue price claims", "query": QUERY + "&p=3"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?{QUERY}"
    view = SavedView.objects.get()
    assert (view.organization, view.owner, view.query) == (org, ops, QUERY)  # the page is not saved
    page = client.get(LIST).content.decode()
    assert 'id="saved-view-' in page and "Overdue price claims" in page
    assert [v["url"] for v in _views(client)] == [f"{LIST}?{QUERY}"]
    # Saving under the same name replaces the filters.
    client.post(SAVE, {"name": "Overdue price claims", "query": "queue=due7"})
    assert list(SavedView.objects.values_list("query", flat=True)) == ["queue=due7"]


def test_a_view_needs_a_name(client, ops):
    client.force_login(ops)
    client.post(SAVE, {"name": "", "query": QUERY})
    assert not SavedView.objects.exists()


def test_views_are_per_person_and_per_organization(client, org, other_org, ops, finance, outsider):
    client.force_login(ops)
    client.post(SAVE, {"name": "Mine", "query": QUERY})
    view = SavedView.objects.get()
    for other in (finance, outsider):
        client.force_login(other)
        assert _views(client) == []
        assert "Mine" not in client.get(LIST).content.decode()
        # Nor can they delete it.
        assert client.post(reverse("saved_views:delete", args=[view.pk])).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_is_offered_only_in_the_organization_it_was_saved_in(client, org, other_org, ops):
    Membership.objects.create(user=ops, organization=other_org, role="operations")
    client.force_login(ops)
    switch = reverse("onboarding:switch")
    client.post(switch, {"organization": org.pk, "next": LIST})
    client.post(SAVE, {"name": "Acme only", "query": QUERY})
    assert SavedView.objects.get().organization == org
    assert [v["name"] for v in _views(client)] == ["Acme only"]
    client.post(switch, {"organization": other_org.pk, "next": LIST})
    assert _views(client) == []


def test_the_owner_deletes_a_view(client, ops):
    client.force_login(ops)
    client.post(SAVE, {"name": "Old", "query": QUERY})
    view = SavedView.objects.get()
    assert client.post(reverse("saved_views:delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_saving_and_deleting_need_a_post_and_a_sign_in(client, ops):
    assert client.post(SAVE, {"name": "x", "query": QUERY}).status_code == 302  # to the sign-in page
    assert not SavedView.objects.exists()
    client.force_login(ops)
    assert client.get(SAVE).status_code == 405
