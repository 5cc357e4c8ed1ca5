import datetime as dt
from decimal import Decimal

from refunds.models import Chargeback


def make_chargeback(account, amazon_id="D1", **kwargs):
    values = {
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "amount": Decimal("12.50"),
        "currency": "USD",
        "issue_date": dt.date(2026, 11, 1),
        "po_number": "PO1",
    }
    values.update(kwargs)
    return Chargeback.objects.create(account=account, amazon_id=amazon_id, **values)


def test_list_and_detail(api, account):
    cb = make_chargeback(account)
    response = api.get("/api/v1/chargebacks/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"][0]["amount"] == {"amount": "12.50", "currency": "USD"}
    assert response["X-Request-ID"]
    detail = api.get(f"/api/v1/chargebacks/{cb.pk}/")
    assert detail.status_code == 200, detail.content
    status = api.get(f"/api/v1/chargebacks/{cb.pk}/status/")
    assert status.status_code == 200, status.content


def test_unknown_url_is_problem(api):
    response = api.get("/api/v1/nope/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_schema(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200, response.content
