from decimal import Decimal

import pytest

from refunds.identifiers import (
    CREDIT,
    DEBIT,
    chargeback_issue_id,
    direction_for_amount,
    normalize_po_number,
    parse_invoice_number,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("2JK3S9VC", "2JK3S9VC"),
        (" 2jk3s9vc ", "2JK3S9VC"),
        ("2JK3 S9VC", "2JK3S9VC"),
        ("2jk3-s9vc", "2JK3S9VC"),
        ("PO 2JK3S9VC", "2JK3S9VC"),
        ("po# 2jk3s9vc", "2JK3S9VC"),
        ("PO-2JK3S9VC", "2JK3S9VC"),
        ("PO:2JK3S9VC", "2JK3S9VC"),
        ("P.O. 2JK3S9VC", "2JK3S9VC"),
        ("Purchase Order: 2JK3S9VC", "2JK3S9VC"),
        ("PO2JK3S9VC", "2JK3S9VC"),  # marker glued on, number still complete without it
        ("PO1234AB", "PO1234AB"),  # an 8-character number that happens to start with PO
        ("01234567", "1234567"),  # a spreadsheet dropped the leading zero on one side
        ("1234567", "1234567"),
        ("PO 00012345", "12345"),
        ("0", "0"),
        ("", ""),
        (None, ""),
        ("\t", ""),
    ],
)
def test_normalize_po_number_table(raw, normalized):
    assert normalize_po_number(raw) == normalized


def test_normalize_po_number_makes_variants_equal():
    variants = ["po# 2jk3s9vc", "PO-2JK3S9VC", "2JK3S9VC", " 2jk3 s9vc"]
    assert len({normalize_po_number(v) for v in variants}) == 1


@pytest.mark.parametrize(
    ("number", "root", "suffixes", "parent"),
    [
        ("12345678", "12345678", (), None),
        ("12345678SC", "12345678", ("SC",), "12345678"),
        ("12345678SCR", "12345678", ("SC", "R"), "12345678SC"),
        ("12345678SCRSC", "12345678", ("SC", "R", "SC"), "12345678SCR"),
        ("12345678SCRSCRSCR", "12345678", ("SC", "R", "SC", "R", "SC", "R"), "12345678SCRSCRSC"),
        ("12345678scr", "12345678", ("SC", "R"), "12345678SC"),
        ("INV123-SC", "INV123", ("SC",), "INV123"),
        ("MISC", "MISC", (), None),  # letters only: not a chain
        ("4411R", "4411R", (), None),  # a chain always starts with SC
        ("123456789VCBSINV", "123456789VCBSINV", (), None),
    ],
)
def test_parse_invoice_number_chain(number, root, suffixes, parent):
    parsed = parse_invoice_number(number)
    assert parsed.root == root
    assert parsed.suffixes == suffixes
    assert parsed.parent == parent
    assert parsed.is_derivative == bool(suffixes)


def test_invoice_chain_lists_every_ancestor_in_order():
    assert parse_invoice_number("12345678SCRSC").chain() == [
        "12345678",
        "12345678SC",
        "12345678SCR",
        "12345678SCRSC",
    ]


def test_parse_invoice_number_refuses_empty():
    with pytest.raises(ValueError, match="empty"):
        parse_invoice_number("  ")


@pytest.mark.parametrize(
    ("amount", "direction"),
    [(Decimal("-12.50"), DEBIT), (Decimal("12.50"), CREDIT), (Decimal("0"), CREDIT)],
)
def test_direction_follows_the_sign_not_the_suffix(amount, direction):
    assert direction_for_amount(amount) == direction


@pytest.mark.parametrize(
    ("number", "root", "suffixes", "claim"),
    [
        ("45097761PC", "45097761", ("PC",), "PC"),
        ("48463701SCR", "48463701", ("SC", "R"), "SC"),
        ("48463701SC", "48463701", ("SC",), "SC"),
        ("45097761PCR", "45097761", ("PC", "R"), "PC"),
        ("45097761", "45097761", (), ""),
    ],
)
def test_price_and_shortage_claims_hang_off_their_invoice(number, root, suffixes, claim):
    parsed = parse_invoice_number(number)
    assert (parsed.root, parsed.suffixes, parsed.claim_kind) == (root, suffixes, claim)


@pytest.mark.parametrize(
    ("number", "description", "issue"),
    [
        ("1146255532VCBSINV", "CHARGEBACK ASN ACCURACY - ISSUE ID 1146255532", "1146255532"),
        ("1146255532VCBSINVR", "CHARGEBACK REVERSAL", "1146255532"),
        ("CB-77", "CHARGEBACK ASN ACCURACY - ISSUE ID 1146255999", "1146255999"),
        ("48824914SC", "SHORTAGE CLAIM", ""),
        ("48824914", "INVOICE PAYMENT", ""),
    ],
)
def test_chargeback_settlements_in_a_payment_name_their_issue(number, description, issue):
    assert chargeback_issue_id(number, description) == issue
