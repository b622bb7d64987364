"""Numbers as a manager reads them: p-values, ratios and percentage points in words.

The one home of these formats: the metric modules' sentences, the views and the text report all
write p-values and ratios through here (the JSON keeps its numbers). It imports nothing of the
project, so every layer may use it.
"""

from __future__ import annotations

import math

SMALLEST_P_SHOWN = 0.001  # below this a p-value reads "p < 0.001"
FRACTIONS = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth", 6: "a sixth", 8: "an eighth", 10: "a tenth"}


def finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def p_value_text(p, adjusted: bool = False) -> str:
    """'p < 0.001', 'p = 0.03' (two significant figures), 'adjusted p = 0.12'; '' when missing."""
    if not finite(p):
        return ""
    label = "adjusted p" if adjusted else "p"
    number = p_number_text(p)
    return f"{label} {number}" if number.startswith("<") else f"{label} = {number}"


def p_number_text(p) -> str:
    """A p-value without its name, for a column that names it: '< 0.001', '0.03'; '' when missing."""
    if not finite(p):
        return ""
    if p < SMALLEST_P_SHOWN:
        return f"< {SMALLEST_P_SHOWN:g}"
    # Two significant figures without trailing zeros: 0.02, 0.12, 1.
    return f"{float(f'{p:.2g}'):g}"


def significant_text(value: float, digits: int) -> str:
    """`value` to `digits` significant figures, never in exponent notation (0.00012, 120000)."""
    if value == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    rounded = round(value, decimals)
    # Rounding may carry into a new digit (0.0999 -> 0.1): one decimal fewer then.
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > math.floor(math.log10(abs(value))):
        decimals = max(decimals - 1, 0)
    return f"{rounded:.{decimals}f}"


def times_text(ratio: float) -> str:
    """A ratio as a number of times, as a person writes it: a whole number with a thousands
    separator from 10 up (11, 33,010), one decimal from 1 to 10 (2.4), two significant figures
    below 1 (0.45, 0.043: an interval's low end never reads 0.0)."""
    if abs(ratio) < 1:
        return significant_text(ratio, 2)
    one_decimal = f"{ratio:.1f}"
    # Decided on the rounded text: 9.96 is written 10, not 10.0.
    return one_decimal if abs(float(one_decimal)) < 10 else f"{round(ratio):,}"


def ratio_words(ratio, same: str = "as often", more: str = "more often", less: str = "less often") -> str:
    """A ratio after/before in words: '2.8 times as often', '17% more often', 'about as often',
    '6% less often', 'half as often', 'about a fifth as often'.

    At 2 and above it is a number of times; between half and double a percentage (so 0.94 is
    never written '0.94 times as often'); at half or below a simple fraction when one is within
    10%, else the percentage less."""
    if not finite(ratio):
        return "no estimate"
    if ratio >= 1.995:
        return f"{times_text(ratio)} times {same}"
    if ratio > 0.5:
        change = round((ratio - 1) * 100)
        if change == 0:
            return f"about {same}"
        return f"{abs(change)}% {more if change > 0 else less}"
    if ratio > 0:
        denominator = round(1 / ratio)
        if denominator in FRACTIONS and abs(ratio * denominator - 1) < 0.1:
            exact = abs(ratio * denominator - 1) < 0.02
            return f"{'' if exact else 'about '}{FRACTIONS[denominator]} {same}"
    return f"{round((1 - ratio) * 100)}% {less}"


def points_text(share_difference: float, signed: bool = True) -> str:
    """A difference of two shares (0.55) in percentage points: '+55 percentage points'."""
    points = share_difference * 100
    return f"{points:+.0f} percentage points" if signed else f"{abs(points):.0f} percentage points"
