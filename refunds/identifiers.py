"""Amazon document numbers as people and files write them, made comparable.

PO numbers arrive as "po# 2jk3s9vc", "PO-2JK3S9VC", " 2JK3S9VC " or, after a spreadsheet ate the
leading zero, "1234567" for "01234567". Invoice numbers carry the derivative chain Amazon builds on
them (`12345678` → `12345678SC` → `12345678SCR` → `12345678SCRSC` …); the suffix meaning is disputed
between sources (RESEARCH.md §1.1), so we parse the chain generically and decide debit or credit by
the amount's sign, never by the suffix.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

# Amazon PO numbers are 8 alphanumeric characters; a PO marker in front of them is something a
# person or a spreadsheet added.
_PO_PREFIX = re.compile(r"^(?:PURCHASE\s*ORDER|P\.?O\.?)(?P<sep>\s*(?:NO\.?|NUMBER)?\s*[#:\-.\s]+)?")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
PO_NUMBER_LENGTH = 8


def normalize_po_number(value: str | None) -> str:
    """A canonical form for matching; the raw number is kept on the document for display."""
    text = str(value or "").strip().upper()
    marker = _PO_PREFIX.match(text)
    if marker:
        rest = _NOT_ALNUM.sub("", text[marker.end() :])
        # "PO1234AB" is itself an 8-character number; strip the marker only when it is separated
        # from the number or the number is still complete without it.
        if rest and (marker.group("sep") or len(rest) >= PO_NUMBER_LENGTH):
            text = rest
    text = _NOT_ALNUM.sub("", text)
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text


# `SC` shortage claim, `PC` price claim, `R` a reversal of the one before it.
_INVOICE_CHAIN = re.compile(r"^(?P<root>.*[0-9])-?(?P<chain>(?:SC|PC)(?:SC|PC|R)*)$")
_CHAIN_TOKEN = re.compile(r"SC|PC|R")
# A chargeback settled in a payment: `<IssueID>VCBSINV` (debit) or `<IssueID>VCBSINVR` (its reversal).
_CHARGEBACK_SETTLEMENT = re.compile(r"^(?P<issue>[0-9]+)VCBSINVR?$")
_ISSUE_ID_TEXT = re.compile(r"ISSUE\s*ID\s*[:#]?\s*(?P<issue>[0-9]+)", re.IGNORECASE)


@dataclass(frozen=True)
class InvoiceNumber:
    """An invoice number split into the vendor's root invoice and Amazon's derivative suffixes."""

    number: str
    root: str
    suffixes: tuple[str, ...]

    @property
    def is_derivative(self) -> bool:
        return bool(self.suffixes)

    @property
    def depth(self) -> int:
        return len(self.suffixes)

    @property
    def parent(self) -> str | None:
        """The number this one derives from: `12345678SCR` → `12345678SC`; a root has none."""
        if not self.suffixes:
            return None
        return self.root + "".join(self.suffixes[:-1])

    def chain(self) -> list[str]:
        """Every number from the root to this one, in order."""
        return [self.root + "".join(self.suffixes[:i]) for i in range(len(self.suffixes) + 1)]

    @property
    def claim_kind(self) -> str:
        """`SC` or `PC`: the claim this derivative is or reverses (its last claim suffix); "" for a root."""
        return next((suffix for suffix in reversed(self.suffixes) if suffix in ("SC", "PC")), "")


@lru_cache(maxsize=65536)  # matching parses the same numbers for every deduction of an invoice
def parse_invoice_number(value: str) -> InvoiceNumber:
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if not text:
        raise ValueError("Invoice number is empty.")
    match = _INVOICE_CHAIN.match(text)
    if not match:
        return InvoiceNumber(number=text, root=text, suffixes=())
    root = match.group("root")
    suffixes = tuple(_CHAIN_TOKEN.findall(match.group("chain")))
    return InvoiceNumber(number=text, root=root, suffixes=suffixes)


DEBIT = "debit"  # money taken from the vendor: a deduction, a debit note
CREDIT = "credit"  # money owed to the vendor: an invoice, a reversal


def direction_for_amount(amount: Decimal) -> str:
    """Amazon prints deductions as negative amounts; the sign decides, not the suffix."""
    return DEBIT if amount < 0 else CREDIT


def chargeback_issue_id(invoice_number: str, description: str = "") -> str:
    """The chargeback a remittance line settles: `<IssueID>VCBSINV[R]` or "ISSUE ID <id>" in its text; else ""."""
    match = _CHARGEBACK_SETTLEMENT.match(re.sub(r"\s+", "", str(invoice_number or "")).upper())
    if match:
        return match.group("issue")
    found = _ISSUE_ID_TEXT.search(str(description or ""))
    return found.group("issue") if found else ""
