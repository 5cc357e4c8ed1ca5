"""Identifiers the simulator prints: look random, never collide, and never depend on `today`.

Natural keys (PO, invoice, shipment, payment numbers, deduction ids) are the n-th value of a
per-account bijection, so the same seed always gives the same keys and two documents never share
one, whatever the volume. A hash of drawn random numbers would collide at a million documents.
"""

import hashlib
from math import gcd

DIGITS = "0123456789"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def stable_int(*parts) -> int:
    """A 64-bit integer from the parts, the same in every process (unlike `hash()`)."""
    digest = hashlib.blake2b("|".join(str(part) for part in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class Code:
    """Maps 0, 1, 2, … to distinct fixed-width codes that look random.

    Two rounds of an affine map modulo the code space with the digits reversed in between: each step
    is a bijection, so the whole is one, and consecutive indexes do not give neighbouring codes.
    """

    def __init__(self, *salt, alphabet: str = DIGITS, width: int = 8):
        self.alphabet = alphabet
        self.width = width
        self.space = len(alphabet) ** width
        self.rounds = [
            (self._coprime(stable_int(*salt, r, "a")), stable_int(*salt, r, "b") % self.space) for r in (1, 2)
        ]

    def _coprime(self, value: int) -> int:
        value = value % self.space or 1
        while gcd(value, self.space) != 1:
            value += 1
        return value

    def _digits(self, value: int) -> list[int]:
        base = len(self.alphabet)
        digits = []
        for _ in range(self.width):
            value, remainder = divmod(value, base)
            digits.append(remainder)
        return digits  # least significant first

    def _reverse(self, value: int) -> int:
        base = len(self.alphabet)
        result = 0
        for digit in self._digits(value):
            result = result * base + digit
        return result

    def __call__(self, index: int) -> str:
        if not 0 <= index < self.space:
            raise ValueError(f"index {index} is outside the code space of {self.space}")
        value = index
        if self.alphabet == DIGITS:  # the common case, done with C-level string formatting
            for multiplier, offset in self.rounds:
                value = int(f"{(multiplier * value + offset) % self.space:0{self.width}d}"[::-1])
            return f"{value:0{self.width}d}"
        for multiplier, offset in self.rounds:
            value = self._reverse((multiplier * value + offset) % self.space)
        return "".join(self.alphabet[d] for d in reversed(self._digits(value)))


def sscc(company_prefix: str, serial: str, extension: str = "0") -> str:
    """An 18-digit SSCC: extension digit, GS1 company prefix, serial reference and the mod-10 check digit."""
    body = f"{extension}{company_prefix}{serial}"
    if len(body) != 17 or not body.isdigit():
        raise ValueError(f"SSCC body must be 17 digits, got {body!r}")
    backwards = body[::-1]  # GS1 weights 3, 1, 3, … from the rightmost digit
    total = 3 * sum(map(int, backwards[0::2])) + sum(map(int, backwards[1::2]))
    return body + str((10 - total % 10) % 10)


def scribble_po_number(number: str, rng) -> str:
    """The PO number as a person or a spreadsheet wrote it into a deduction (normalises back)."""
    style = rng.randrange(5)
    if style == 0:
        return number.lower()
    if style == 1:
        return f"PO# {number}"
    if style == 2:
        return f"PO-{number}"
    if style == 3:
        return f" {number} "
    return f"po {number.lower()}"
