"""Invoice arithmetic in one place: a pure function over lines and the invoice discount.

The rounding rule (every figure is rounded to the currency's minor unit with ROUND_HALF_UP):

1. Per line: ``net = round(quantity × unit_price − line_discount)``. The line discount is an amount (not a
   percentage) and cannot exceed ``quantity × unit_price``.
2. The invoice-level discount is allocated over the lines *before tax*, pro rata to their nets:
   ``share = round(discount × net / subtotal)``. What rounding leaves over (positive or negative) goes to the
   line with the largest net (the first such line); if that line cannot absorb it whole, the rest spills to
   the next-largest line, so no line's share is negative or above its net.
3. Per line: ``tax = round((net − share) × tax_rate / 100)``; the line's printed total is ``net + tax``.
4. ``subtotal = Σ net``, ``tax_total = Σ tax``, ``total = subtotal − invoice_discount + tax_total``.

Taxing after the discount is what a tax authority expects (tax is due on what the patient pays), and
rounding per line keeps each printed line's tax reproducible from that line alone. Lines are never
negative: a credit note carries positive lines and its ``kind`` says the money flows back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def currency_places(currency: str) -> int:
    """Minor-unit places of an ISO 4217 currency (USD 2, JPY 0, BHD 3), from babel's CLDR data."""
    return int(get_currency_precision(currency))


def quantum(places: int) -> Decimal:
    """The smallest amount of a currency with `places` minor-unit places (0.01 for two)."""
    return Decimal(1).scaleb(-places)


def round_money(amount: Decimal, places: int) -> Decimal:
    """Round half up to the currency's minor unit (1.005 -> 1.01)."""
    return amount.quantize(quantum(places), rounding=ROUND_HALF_UP)


def has_places(amount: Decimal, places: int) -> bool:
    """Whether `amount` needs no more than `places` decimal places."""
    return amount == amount.quantize(quantum(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    """The inputs of one line's arithmetic."""

    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = ZERO
    tax_rate: Decimal = ZERO  # percent


@dataclass(frozen=True)
class LineTotals:
    """One line's computed figures."""

    gross: Decimal  # quantity × unit_price, unrounded
    net: Decimal  # round(gross − discount)
    discount_share: Decimal  # this line's part of the invoice discount
    taxable: Decimal  # net − discount_share
    tax: Decimal
    total: Decimal  # net + tax (what the line column prints)


@dataclass(frozen=True)
class Totals:
    """An invoice's figures: per line and overall."""

    lines: tuple[LineTotals, ...]
    subtotal: Decimal
    invoice_discount: Decimal
    tax_total: Decimal
    total: Decimal


def compute_totals(lines: Sequence[LineAmounts], invoice_discount: Decimal, places: int) -> Totals:
    """Totals of an invoice under the documented rounding rule (module docstring); inputs must be valid."""
    q = quantum(places)
    grosses = [line.quantity * line.unit_price for line in lines]
    nets = [round_money(g - line.discount, places) for g, line in zip(grosses, lines, strict=True)]
    subtotal = sum(nets, ZERO).quantize(q)
    discount = round_money(invoice_discount, places)
    shares = allocate(discount, nets, places)
    line_totals: list[LineTotals] = []
    for line, gross, net, share in zip(lines, grosses, nets, shares, strict=True):
        taxable = net - share
        tax = round_money(taxable * line.tax_rate / HUNDRED, places)
        line_totals.append(
            LineTotals(gross=gross, net=net, discount_share=share, taxable=taxable, tax=tax, total=net + tax)
        )
    tax_total = sum((t.tax for t in line_totals), ZERO).quantize(q)
    return Totals(
        lines=tuple(line_totals),
        subtotal=subtotal,
        invoice_discount=discount,
        tax_total=tax_total,
        total=(subtotal - discount + tax_total).quantize(q),
    )


def allocate(discount: Decimal, nets: Sequence[Decimal], places: int) -> list[Decimal]:
    """Split `discount` over lines pro rata to `nets`; the rounding remainder goes to the largest line."""
    q = quantum(places)
    subtotal = sum(nets, ZERO)
    if not nets or discount == 0 or subtotal == 0:
        return [ZERO.quantize(q) for _ in nets]
    shares = [round_money(discount * net / subtotal, places) for net in nets]
    remainder = discount - sum(shares, ZERO)
    # Largest line first (ties: the earlier line), so the remainder lands where it is proportionally smallest.
    order = sorted(range(len(nets)), key=lambda i: (-nets[i], i))
    for i in order:
        if remainder == 0:
            break
        room = nets[i] - shares[i] if remainder > 0 else shares[i]
        step = min(abs(remainder), room)
        step = step if remainder > 0 else -step
        shares[i] += step
        remainder -= step
    return [s.quantize(q) for s in shares]
