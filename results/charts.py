"""Server-rendered SVG charts (they print in PDFs too; no JavaScript, no inline styles)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

PALETTE = ["#1f4e79", "#2e75b6", "#9dc3e6", "#548235", "#a9d18e", "#bf9000", "#ffd966", "#7030a0"]
BONUS_COLOR, DEDUCTION_COLOR = "#70ad47", "#c00000"


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return text.replace(".", ",")


FONT_SIZE = 13  # px, as drawn: the chart has no viewBox, so its text is never scaled down
NAME_LINE, BAR_HEIGHT, ROW_GAP, TOP = 16, 14, 12, 22
LEGEND_WRAP = 330  # px: a legend line fits the narrowest phone (360 px less the page's margins)


def _pct(value: Decimal, scale_max: Decimal) -> float:
    return float(value) / float(scale_max) * 100


def _text_width(text: str) -> float:
    return len(text) * FONT_SIZE * 0.62  # room for the widest letters of the page's fonts


def results_bar_chart(results, roots, *, nominal: Decimal) -> str:
    """Horizontal bars of each unit's total in rank order, stacked by score section, bonus in
    green, deductions as a red band cut from the end of the bar.

    Each unit's name and total are written above its bar, and the bars are laid out in percent
    of the chart's width while the text is in pixels: the chart fills a phone's screen or a
    desktop's column with its labels at the same legible size (a viewBox would shrink them with
    the chart, to about 5 px on a phone)."""
    score_roots = [node.criterion for node in roots if node.criterion.kind == "score"]
    scale_max = max([nominal, *(r.totals.score + r.totals.bonus for r in results)])
    row = NAME_LINE + 4 + BAR_HEIGHT + ROW_GAP
    plot_bottom = TOP + len(results) * row
    legend = [(PALETTE[i % len(PALETTE)], "fill", root.code) for i, root in enumerate(score_roots)]
    legend += [(BONUS_COLOR, "fill", "Thưởng"), (DEDUCTION_COLOR, "stroke", "Trừ")]
    placed, line_x, line = [], 0.0, 0
    for item in legend:
        width = 16 + _text_width(item[2]) + 14
        if line_x and line_x + width > LEGEND_WRAP:
            line_x, line = 0.0, line + 1
        placed.append((line_x, plot_bottom + 8 + line * 20, item))
        line_x += width
    height = plot_bottom + 8 + (line + 1) * 20

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" role="img" '
        f'class="chart" font-family="Liberation Serif, serif" font-size="{FONT_SIZE}">'
        f"<title>Tổng điểm theo đơn vị</title>"
    ]
    step = 10
    while scale_max / step > 6:  # at most about six ticks: they fit a phone's width
        step *= 2
    for tick in range(0, int(scale_max) + 1, step):
        at = _pct(Decimal(tick), scale_max)
        anchor = "start" if at < 4 else "end" if at > 96 else "middle"
        parts.append(
            f'<line x1="{at:.2f}%" y1="{TOP - 6}" x2="{at:.2f}%" y2="{plot_bottom - ROW_GAP}" '
            f'stroke="#ddd"/><text x="{at:.2f}%" y="{TOP - 10}" text-anchor="{anchor}" '
            f'fill="#555">{tick}</text>'
        )
    for index, result in enumerate(results):
        y = TOP + index * row
        bar_y = y + NAME_LINE + 4
        name = escape(f"{result.rank}. {result.sheet.unit.name}")
        parts.append(
            f'<text x="0" y="{y + NAME_LINE - 3}">{name}</text>'
            f'<text x="100%" y="{y + NAME_LINE - 3}" text-anchor="end" font-weight="bold">'
            f"{_num(result.total)}</text>"
        )
        start = Decimal(0)
        for color_index, root in enumerate(score_roots):
            value = result.totals.sections.get(root.pk, Decimal(0))
            if value:
                parts.append(
                    f'<rect x="{_pct(start, scale_max):.2f}%" y="{bar_y}" '
                    f'width="{_pct(value, scale_max):.2f}%" height="{BAR_HEIGHT}" '
                    f'fill="{PALETTE[color_index % len(PALETTE)]}">'
                    f"<title>{escape(root.code)}: {_num(value)}</title></rect>"
                )
            start += value
        if result.totals.bonus:
            parts.append(
                f'<rect x="{_pct(start, scale_max):.2f}%" y="{bar_y}" '
                f'width="{_pct(result.totals.bonus, scale_max):.2f}%" height="{BAR_HEIGHT}" '
                f'fill="{BONUS_COLOR}"><title>+{_num(result.totals.bonus)}</title></rect>'
            )
            start += result.totals.bonus
        if result.totals.deduction:
            cut = start - result.totals.deduction
            parts.append(
                f'<rect x="{_pct(cut, scale_max):.2f}%" y="{bar_y + 2}" '
                f'width="{_pct(result.totals.deduction, scale_max):.2f}%" '
                f'height="{BAR_HEIGHT - 4}" fill="none" stroke="{DEDUCTION_COLOR}" '
                f'stroke-width="2"><title>−{_num(result.totals.deduction)}</title></rect>'
            )
    for x, y, (color, paint, label) in placed:
        box = (
            f'fill="{color}"'
            if paint == "fill"
            else f'fill="none" stroke="{color}" stroke-width="2"'
        )
        parts.append(
            f'<rect x="{x + 1:.0f}" y="{y - 11}" width="12" height="12" {box}/>'
            f'<text x="{x + 17:.0f}" y="{y}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
