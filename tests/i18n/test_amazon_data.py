"""Data from Amazon shows as received, with our translated label beside it where we have one."""

from decimal import Decimal

import pytest

from refunds.choices import ChargebackState
from tests.refunds.cases import make_chargeback

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
RECEIVED = '<span lang="en" class="amazon-data">{}</span> <span class="our-label">{}</span>'

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(account):
    return [
        make_chargeback(account, amazon_id="SC-9001", amazon_status="Waived"),
        make_chargeback(
            account,
            amazon_id="OC-9002",
            family="operational_chargeback",
            deduction_type="ASN_Accuracy",
            amazon_status="Charged",
            state=ChargebackState.DISPUTED,
            amount=Decimal("75.00"),
        ),
        make_chargeback(account, amazon_id="OC-9003", family="operational_chargeback", deduction_type="label_defect"),
    ]


def test_the_case_page_shows_them_beside_our_family_and_state(client, ops, cases):
    client.force_login(ops)
    page = client.get(f"/admin/refunds/chargeback/{cases[0].pk}/change/", **ZH).content.decode()
    assert "短缺索赔" in page
    assert f'<span id="case-type">{RECEIVED.format("shortage", "（短缺索赔（PQV））")}</span>' in page
    assert f"亚马逊状态： {RECEIVED.format('Waived', '（已豁免）')}" in page
    english = client.get(f"/admin/refunds/chargeback/{cases[0].pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert RECEIVED.format("shortage", "(Shortage claim (PQV))") in english.content.decode()
