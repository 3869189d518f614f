"""The verification code's QR as inline SVG, made on the server (segno): nothing is fetched
when the PDF is rendered, and the SVG holds only our own URL and code, no user text."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    """An SVG element (no XML declaration, no namespace prefix) WeasyPrint draws inline."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", scale=2, border=1, xmldecl=False, svgns=True, nl=False, svgclass=None,
        lineclass=None, omitsize=False,
    )  # fmt: skip
    return out.getvalue().decode()
