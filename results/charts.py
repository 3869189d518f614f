"""Server-rendered SVG charts (they print in PDFs too; no JavaScript, no inline styles)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

PALETTE = ["#1f4e79", "#2e75b6", "#9dc3e6", "#548235", "#a9d18e", "#bf9000", "#ffd966", "#7030a0"]
BONUS_COLOR, DEDUCTION_COLOR = "#70ad47", "#c00000"


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return text.replace(".", ",")


def results_bar_chart(results, roots, *, nominal: Decimal, width: int = 760) -> str:
    """Horizontal bars of each unit's total in rank order, stacked by score section, bonus in
    green, deductions as a red band cut from the end of the bar."""
    score_roots = [node.criterion for node in roots if node.criterion.kind == "score"]
    label_width, bar_height, gap, top = 190, 18, 8, 30
    scale_max = max([nominal, *(r.totals.score + r.totals.bonus for r in results)])
    plot = width - label_width - 60
    height = top + len(results) * (bar_height + gap) + 40

    def x(value: Decimal) -> float:
        return label_width + float(value) / float(scale_max) * plot

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" class="chart" font-family="Liberation Serif, serif" '
        f'font-size="12"><title>Tổng điểm theo đơn vị</title>'
    ]
    for tick in range(0, int(scale_max) + 1, max(10, int(scale_max) // 10 or 1)):
        tx = x(Decimal(tick))
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 36}" '
            f'stroke="#ddd"/><text x="{tx:.1f}" y="{top - 10}" text-anchor="middle" '
            f'fill="#555">{tick}</text>'
        )
    for index, result in enumerate(results):
        y = top + index * (bar_height + gap)
        name = escape(f"{result.rank}. {result.sheet.unit.name}")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">{name}</text>'
        )
        start = Decimal(0)
        for color_index, root in enumerate(score_roots):
            value = result.totals.sections.get(root.pk, Decimal(0))
            if value:
                parts.append(
                    f'<rect x="{x(start):.1f}" y="{y}" width="{x(start + value) - x(start):.1f}" '
                    f'height="{bar_height}" fill="{PALETTE[color_index % len(PALETTE)]}">'
                    f"<title>{escape(root.code)}: {_num(value)}</title></rect>"
                )
            start += value
        if result.totals.bonus:
            end = start + result.totals.bonus
            parts.append(
                f'<rect x="{x(start):.1f}" y="{y}" width="{x(end) - x(start):.1f}" '
                f'height="{bar_height}" fill="{BONUS_COLOR}"><title>+{_num(result.totals.bonus)}'
                f"</title></rect>"
            )
            start = end
        if result.totals.deduction:
            cut = start - result.totals.deduction
            parts.append(
                f'<rect x="{x(cut):.1f}" y="{y + 3}" width="{x(start) - x(cut):.1f}" '
                f'height="{bar_height - 6}" fill="none" stroke="{DEDUCTION_COLOR}" '
                f'stroke-width="2"><title>−{_num(result.totals.deduction)}</title></rect>'
            )
        parts.append(
            f'<text x="{x(start) + 6:.1f}" y="{y + bar_height - 5}" font-weight="bold">'
            f"{_num(result.total)}</text>"
        )
    legend_y = height - 16
    legend_x = label_width
    for color_index, root in enumerate(score_roots):
        color = PALETTE[color_index % len(PALETTE)]
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 10}" width="12" height="12" fill="{color}"/>'
            f'<text x="{legend_x + 16}" y="{legend_y}">{escape(root.code)}</text>'
        )
        legend_x += 50
    parts.append(
        f'<rect x="{legend_x}" y="{legend_y - 10}" width="12" height="12" fill="{BONUS_COLOR}"/>'
        f'<text x="{legend_x + 16}" y="{legend_y}">Thưởng</text>'
        f'<rect x="{legend_x + 80}" y="{legend_y - 10}" width="12" height="12" fill="none" '
        f'stroke="{DEDUCTION_COLOR}" stroke-width="2"/>'
        f'<text x="{legend_x + 96}" y="{legend_y}">Trừ</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
