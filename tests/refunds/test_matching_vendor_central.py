"""Matching on documents shaped like Vendor Central's: named shipments, cartons, units, reversals."""

from datetime import date
from decimal import Decimal

from refunds.choices import DeductionFamily, InvoiceType, Recommendation
from refunds.models import Invoice, InvoiceLine, Shipment
from refunds.services.matching import evaluate_chargebacks
from tests.refunds.matching_data import ASIN, NOW, make_chargeback, make_invoice, make_po, make_shipment


def evaluate(cb):
    evaluate_chargebacks([cb.id], now=NOW)
    cb.refresh_from_db()
    return cb.assessment


def texts(assessment) -> str:
    return "\n".join(check["text"] for check in assessment.checks)


def operational(account, deduction_type, amazon_id="OP-1", **extra):
    values = {"family": DeductionFamily.OPERATIONAL, "deduction_type": deduction_type, "amount": "50.00"}
    values |= {"quantity": None, "issue_date": date(2026, 3, 10), "invoice_number": ""}
    values.update(extra)
    return make_chargeback(account, amazon_id, **values)


def test_a_chargeback_naming_an_arn_is_judged_on_that_shipment(account):
    make_po(account, received=120)
    make_shipment(account, shipment_id="4411", asn_sent="2026-01-09")  # late ASN
    on_time = make_shipment(account, shipment_id="4412", bol="BOL779")
    Shipment.objects.filter(pk=on_time.pk).update(amazon_reference_number="ARN5550001")
    a = evaluate(operational(account, "asn_accuracy", description="ASN Accuracy - Late ASN: ARN ARN5550001 at ABE8"))
    assert a.recommendation == Recommendation.DISPUTE
    assert "ASN 4411" not in texts(a)


def test_carton_contents_naming_an_sscc_missing_from_the_asn_is_valid(account):
    make_po(account)
    make_shipment(account)  # SSCCs 000000000000000001 … 000000000000000010
    a = evaluate(operational(account, "carton_content_accuracy", description="SSCC 000000000000000099 short 3"))
    assert a.recommendation == Recommendation.ACCEPT
    assert "SSCC 000000000000000099 named by Amazon is not on the ASN." in texts(a)


def test_carton_contents_with_every_named_sscc_on_the_asn_need_photos(account):
    make_po(account)
    make_shipment(account)
    a = evaluate(operational(account, "carton_content_accuracy", description="SSCC 000000000000000003 short 3"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "proving the contents needs pack-out photos" in texts(a)


def test_no_show_delivered_after_the_window_is_valid(account):
    make_po(account, window=("2026-01-05", "2026-01-12"))
    make_shipment(account, delivered="2026-01-15")
    a = evaluate(operational(account, "no_show"))
    assert a.recommendation == Recommendation.ACCEPT
    assert "delivery window ends 2026-01-12" in texts(a)


def test_prep_is_decided_on_photos_whatever_the_receipt_says(account):
    make_po(account, received=96)
    a = evaluate(operational(account, "prep", quantity=100, amount="20.00", sub_type="Bagging"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert a.expected_recovery == 0


def test_a_vendor_return_within_what_was_received_is_valid(account):
    make_po(account, received=96)
    cb = make_chargeback(
        account, "RET-1", family=DeductionFamily.RETURN, deduction_type="vendor_return", amount="100.00", quantity=10
    )
    a = evaluate(cb)
    assert a.recommendation == Recommendation.ACCEPT
    assert cb.due_on == date(2026, 3, 6)  # the assumed 30 days from the debit note, said in the rule


def test_an_scr_credit_reverses_only_its_own_item(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    credit = Invoice.objects.create(
        account=account,
        number="INV1001SCR",
        invoice_type=InvoiceType.INVOICE,
        invoice_date=date(2026, 3, 5),
        po_number="2JK3S9VC",
        amount=Decimal("100.00"),
        currency="USD",
    )
    InvoiceLine.objects.create(
        invoice=credit,
        line_number=1,
        asin="B0OTHER001",
        quantity=10,
        unit_cost=Decimal("10"),
        amount=Decimal("100"),
        currency="USD",
    )
    a = evaluate(make_chargeback(account))
    assert a.expected_recovery == Decimal("240.00")
    InvoiceLine.objects.filter(invoice=credit).update(asin=ASIN)
    a = evaluate(a.chargeback)
    assert a.expected_recovery == Decimal("140.00")
    assert "credit INV1001SCR of 2026-03-05" in texts(a)


def test_amazons_own_reversed_status_means_nothing_to_recover(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    a = evaluate(make_chargeback(account, amazon_status="Reversed"))
    assert a.recommendation == Recommendation.ACCEPT
    assert "Amazon's status is Reversed" in texts(a)


def test_a_coop_charged_twice_is_a_duplicate_without_any_po(account):
    def coop(amazon_id, issue_date):
        return make_chargeback(
            account,
            amazon_id,
            family=DeductionFamily.COOP,
            deduction_type="coop",
            amount="812.40",
            quantity=None,
            issue_date=issue_date,
            po_number="",
            invoice_number="",
            sub_type="Marketing & Promotion",
            description="Agreement X1Y2 Marketing & Promotion: 3% of receipts 2026-01-01 to 2026-01-31",
        )

    first, second = coop("X1Y2-00000001", date(2026, 2, 1)), coop("X1Y2-00000002", date(2026, 2, 1))
    later = coop("X1Y2-00000003", date(2026, 3, 1))  # the next month's charge, not a second one
    evaluate_chargebacks([first.id, second.id, later.id], now=NOW)
    for cb in (first, second, later):
        cb.refresh_from_db()
    assert first.recommendation == Recommendation.NEEDS_EVIDENCE  # no agreement on file to check it against
    assert later.recommendation == Recommendation.NEEDS_EVIDENCE
    assert second.recommendation == Recommendation.DISPUTE
    assert "Exact duplicate of X1Y2-00000001 of 2026-02-01" in texts(second.assessment)
