"""Lists and filters read in words: "Price claim (PPV)", "In review", "Needs evidence", never `price_claim`."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from refunds.choices import ChargebackState, DeductionFamily, Recommendation
from refunds.labels import type_label
from refunds.models import Chargeback
from tests.refunds.cases import make_chargeback

LIST = reverse("admin:refunds_chargeback_changelist")
CODES = re.compile(r"\b(price_claim|shortage_claim|operational_chargeback|in_review|needs_evidence|asn_accuracy)\b")


def visible_text(html: str) -> str:
    """The page's text, without tags and attribute values (where codes belong: links and inputs)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def labelled_cases(account):
    price = make_chargeback(account, family=DeductionFamily.PRICE, deduction_type="price_claim")
    asn = make_chargeback(account, family=DeductionFamily.OPERATIONAL, deduction_type="asn_accuracy")
    Chargeback.objects.filter(pk=price.pk).update(
        state=ChargebackState.IN_REVIEW, recommendation=Recommendation.NEEDS_EVIDENCE
    )
    Chargeback.objects.filter(pk=asn.pk).update(recommendation=Recommendation.DISPUTE)
    return price, asn


@pytest.mark.django_db
def test_the_case_list_shows_families_types_states_and_recommendations_in_words(client, ops, labelled_cases):
    client.force_login(ops)
    page = client.get(LIST).content.decode()
    rows = visible_text(page[page.index('id="result_list"') :])
    for words in (
        "Price claim (PPV)",
        "Price claim",
        "ASN Accuracy",
        "Operational chargeback",
        "In review",
        "Needs evidence",
    ):
        assert words in rows, words
    assert not CODES.search(visible_text(page)), CODES.search(visible_text(page))


@pytest.mark.django_db
def test_the_type_filter_offers_types_in_words(client, ops, labelled_cases):
    client.force_login(ops)
    response = client.get(LIST, {"family__exact": DeductionFamily.PRICE})
    titles = {
        str(choice["display"])
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
    }
    assert {"Price claim (PPV)", "Price claim", "Needs evidence", "In review"} <= titles
    assert not CODES.search(" ".join(titles))


def test_every_catalogue_type_and_alias_has_words():
    catalogue = json.loads((Path(settings.BASE_DIR) / "refunds" / "data" / "catalogue.json").read_text())
    with translation.override("en"):
        for entry in catalogue["types"]:
            for code in [entry["code"], *(entry.get("aliases") or [])]:
                assert type_label(code) == entry["name"], code
        assert type_label("late_pallet") == "Late pallet"
        assert type_label("") == ""


def test_type_words_are_translated():
    with translation.override("zh-hans"):
        assert type_label("price") == "价格索赔（PPV）"
