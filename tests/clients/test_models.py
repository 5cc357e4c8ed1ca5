"""The client's models: money as Decimal with currency, dates parsed, unknown fields kept, inputs serialised."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from acorn_client import Money
from acorn_client.models import Chargeback, Invoice, InvoiceLine, JournalLine, LedgerExport, Shipment, to_api


def test_models_parse_money_dates_and_keep_unknown_fields():
    cb = Chargeback.from_api(
        {
            "id": 7,
            "amount": {"amount": "1234.50", "currency": "EUR"},
            "recovered": None,
            "issue_date": "2026-11-02",
            "updated_at": "2026-11-26T10:00:00Z",
            "evidence": [{"id": "u1", "size": 3, "uploaded_at": "2026-11-26T10:00:00+01:00"}],
            "new_field_from_a_newer_server": True,
        }
    )
    assert cb.amount == Money(Decimal("1234.50"), "EUR") and str(cb.amount) == "1234.50 EUR"
    assert cb.recovered is None and cb.due_date is None
    assert cb.issue_date == date(2026, 11, 2)
    assert cb.updated_at == datetime(2026, 11, 26, 10, tzinfo=UTC)
    assert cb.evidence[0].uploaded_at.utcoffset().total_seconds() == 3600
    assert cb.extra == {"new_field_from_a_newer_server": True}


def test_bare_amounts_take_the_currency_beside_them():
    line = JournalLine.from_api({"debit": "0.00", "credit": "12.5", "currency": "JPY", "posting_date": "2026-11-01"})
    assert line.debit == Money(Decimal("0.00"), "JPY") and line.credit.amount == Decimal("12.5")
    export = LedgerExport.from_api({"id": 1, "totals": {"USD": {"debit": "10.00", "credit": "10.00"}}})
    assert export.total("USD") == (Money(Decimal("10.00"), "USD"), Money(Decimal("10.00"), "USD"))
    assert export.total("EUR") == (Money(Decimal("0"), "EUR"), Money(Decimal("0"), "EUR"))


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(0.1, "USD")
    with pytest.raises(ValueError, match="Not a decimal"):
        Money("twelve", "USD")
    with pytest.raises(TypeError):
        to_api({"amount": 0.1})


def test_to_api_drops_read_only_and_empty_fields_and_renders_values():
    shipment = Shipment(shipment_id="S1", id=9, account=3, shipped_at=datetime(2026, 11, 1, 8, tzinfo=UTC), items=[])
    assert to_api(shipment) == {"shipment_id": "S1", "shipped_at": "2026-11-01T08:00:00+00:00", "items": []}
    invoice = Invoice(
        number="INV1",
        invoice_date=date(2026, 11, 1),
        amount=Money(Decimal("10.50"), "USD"),
        currency="USD",
        lines=[InvoiceLine(line_number=1, quantity=1, unit_cost=Money("10.50", "USD"), amount=Decimal("10.50"))],
    )
    assert to_api(invoice) == {
        "number": "INV1",
        "invoice_date": "2026-11-01",
        "amount": "10.50",
        "currency": "USD",
        "lines": [{"line_number": 1, "quantity": 1, "unit_cost": "10.50", "amount": "10.50"}],
    }
