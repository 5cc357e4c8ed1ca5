"""Password reset by e-mail: the link from the mail sets a new password once, and says nothing about
which addresses have an account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-long-passphrase-42"  # noqa: S105 - test only


def reset_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/password-reset/\S+/)", message.body).group(1)


def test_the_login_page_offers_a_reset_and_the_mailed_link_sets_a_new_password_once(client, ops):
    assert "/account/password-reset/" in client.get("/admin/login/").content.decode()

    response = client.post("/account/password-reset/", {"email": ops.email})
    assert response.status_code == 302 and response.url == "/account/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [ops.email]
    link = reset_path(mail.outbox[0])

    form = client.get(link, follow=True)  # Django swaps the token for a session marker first
    assert form.status_code == 200
    set_password = form.redirect_chain[-1][0]
    done = client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/account/password-reset/done/"

    ops.refresh_from_db()
    assert ops.check_password(NEW_PASSWORD) and not ops.check_password(PASSWORD)

    client.logout()
    again = client.get(link, follow=True)
    assert not again.context["validlink"], "a used link must not set a password again"


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, ops):
    response = client.post("/account/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response.url == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_a_deactivated_person_gets_no_reset_mail(client, ops):
    get_user_model().objects.filter(pk=ops.pk).update(is_active=False)
    client.post("/account/password-reset/", {"email": ops.email})
    assert mail.outbox == []
