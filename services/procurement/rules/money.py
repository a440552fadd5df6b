"""Money in integer pence: exact rounding and display. No float anywhere."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Fraction) -> int:
    """Round an exact amount of pence to a whole penny, halves away from zero."""
    magnitude = abs(value) + Fraction(1, 2)
    whole = magnitude.numerator // magnitude.denominator
    return -whole if value < 0 else whole


def percent_of(pence: int, percent: Decimal) -> Fraction:
    """The exact share `percent` (10 = 10%) of an amount in pence."""
    return Fraction(pence) * Fraction(percent) / 100


def format_pence(pence: int) -> str:
    """£1,234.56 (and -£1,234.56): how amounts read in explanations."""
    sign = "-" if pence < 0 else ""
    magnitude = abs(pence)
    return f"{sign}£{magnitude // 100:,}.{magnitude % 100:02d}"


def format_percent(share: Fraction) -> str:
    """A share (0.875) as a percentage to 2 decimal places, half up ("87.50%"); not negative."""
    hundredths = round_half_up(share * 10000)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"
