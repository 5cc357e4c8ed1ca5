"""`seed_demo` creates logins whose passwords are published: never on a production instance by accident."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from acorn_portal.models import Organization
from tests.acorn_portal.test_deploy_settings import production_env, settings_value

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_with_debug_off_and_creates_nothing(settings):
    settings.ACORN_DEMO_SEED_ALLOWED = False  # what ACORN_DEBUG=0 gives
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        call_command("seed_demo", "--orders", "3", stdout=StringIO(), stderr=StringIO())
    assert not get_user_model().objects.filter(username="ops").exists()
    assert not Organization.objects.exists()


def test_seed_demo_runs_with_debug_off_when_told_it_is_not_production(settings):
    settings.ACORN_DEMO_SEED_ALLOWED = False
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]  # the demo's: the loader's API calls must be accepted
    call_command(
        "seed_demo",
        "--orders",
        "3",
        "--today",
        "2026-11-20",
        "--i-know-this-is-not-production",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert get_user_model().objects.filter(username="ops").exists()


def test_production_settings_do_not_allow_the_demo_seed_and_the_demo_does():
    assert settings_value(production_env(), "ACORN_DEMO_SEED_ALLOWED") == ["False"]
    assert settings_value(production_env(ACORN_DEBUG="1"), "ACORN_DEMO_SEED_ALLOWED") == ["True"]
