"""Digital signatures of issued documents (pyHanko), laid out as Decree 30/2020/NĐ-CP, Appendix I
asks of an electronic document:

- the signer's signature at the signature place (above the signer's printed name), in blue;
- the organisation's signature at the seal place — over the left third of the signer's — in red,
  with the organisation's name and the time of signing (date, time, Vietnamese offset).

Each is a PAdES baseline signature (ETSI.CAdES.detached, SHA-256) added by incremental update:
the bytes signed first are kept as they are, so the PDF/A-3b of the unsigned document stays (the
appearances use the project's own embedded font, which PDF/A requires).

Keys are the operator's: PKCS#12 files named in the environment (settings.SIGNING_*). A PKCS#11
token (a USB token, an HSM) works through pyHanko's ``pyhanko.sign.pkcs11.PKCS11Signer`` with the
``python-pkcs11`` package, which this project does not install: see docs/ARCHITECTURE.md.

Uploaded signed PDFs are checked against the trust roots the operator configures
(SIGNING_TRUST_ROOTS): each signature's integrity, its signer, whether the signer's certificate
chains to a trusted root, and whether it covers the whole file."""

from __future__ import annotations

import datetime
import functools
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

MM = 72 / 25.4
BLUE = (0.0, 0.2, 0.7)
RED = (0.85, 0.0, 0.0)
PERSON_FIELD = "ChuKyNguoiCoThamQuyen"
ORGANISATION_FIELD = "ChuKyCoQuan"


class SigningNotConfigured(Exception):
    """No key for the organisation: the operator has not set SIGNING_ORGANISATION_PKCS12."""


@functools.cache
def _font_file(name: str) -> str:
    """The project's font (static/fonts) at 1000 units per em, in a temporary folder: pyHanko
    writes glyph widths in the font's own units where PDF expects thousandths of an em, so a
    2048-unit font (Liberation Serif) would print its letters twice as far apart."""
    found = finders.find(f"fonts/{name}")
    if not found:
        raise FileNotFoundError(name)
    target = Path(tempfile.gettempdir()) / "giaouoc-signing-fonts" / f"1000-{name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(str(found))
        scale_upem(font, 1000)
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        partial.replace(target)
    return str(target)


def _font(bold: bool = False) -> GlyphAccumulatorFactory:
    name = "LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"
    return GlyphAccumulatorFactory(_font_file(name))


def load_pkcs12(path: str | Path, password: str = "") -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load_pkcs12(
        str(path), passphrase=password.encode() if password else None
    )
    if signer is None:
        raise SigningNotConfigured(f"cannot read the PKCS#12 file {path}")
    return signer


@dataclass(frozen=True)
class Keys:
    organisation: signers.Signer
    person: signers.Signer | None = None


def configured_keys() -> Keys:
    """The operator's keys (settings.SIGNING_*), or SigningNotConfigured."""
    organisation = settings.SIGNING_ORGANISATION_PKCS12
    if not organisation:
        raise SigningNotConfigured
    person = settings.SIGNING_PERSON_PKCS12
    return Keys(
        organisation=load_pkcs12(organisation, settings.SIGNING_ORGANISATION_PASSWORD),
        person=load_pkcs12(person, settings.SIGNING_PERSON_PASSWORD) if person else None,
    )


def signature_place(pdf: bytes, signer_name: str) -> tuple[int, float, float]:
    """(page index, x, y) of the signer's printed name on the last page where it appears (the
    signature block: the space for signature and seal is just above it), or else a place at the
    right of the last page above its bottom margin."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[tuple[float, float]] = []
    wanted = " ".join(signer_name.split())

    def visit(text: str, cm: list, tm: list, font: object, size: float) -> None:
        if wanted and wanted in " ".join(text.split()):
            found.append((cm[0] * tm[4] + cm[4], cm[3] * tm[5] + cm[5]))

    for index in range(len(reader.pages) - 1, -1, -1):
        found.clear()
        reader.pages[index].extract_text(visitor_text=visit)
        if found:
            x, y = found[-1]
            return index, x, y
    last = reader.pages[-1]
    width = float(last.mediabox.width)
    return len(reader.pages) - 1, width - 80 * MM, 40 * MM


def sign_pdf(
    pdf: bytes,
    *,
    keys: Keys,
    organisation_name: str,
    signer_name: str,
    when: datetime.datetime | None = None,
) -> bytes:
    """The PDF with the signer's and the organisation's visible signatures (see the module)."""
    page, x, y = signature_place(pdf, signer_name)
    # The name is printed centred in its column, bold 13-14 pt: about half an em a letter.
    centre = x + len(signer_name) * 13 * 0.25
    width, height = 46 * MM, 16 * MM
    # The signer's box above the name, centred on it; the organisation's (the seal, Decree 30:
    # over the left third of the signer's signature) to its left, a little lower and larger.
    person_box = (centre - width / 2, y + 5 * MM, centre + width / 2, y + 5 * MM + height)
    seal_left = person_box[0] - width * 2 / 3
    seal_box = (seal_left, y + 3 * MM, seal_left + width, y + 3 * MM + height + 4 * MM)
    if keys.person is not None:
        pdf = _sign_once(
            pdf, signer=keys.person, field=PERSON_FIELD, page=page, box=person_box,
            style=TextStampStyle(
                stamp_text="%(signer)s",
                text_box_style=TextBoxStyle(font=_font(), font_size=11, text_color=BLUE),
                border_width=0,
            ),
            text_params={"signer": signer_name or "%(signer)s"},
        )  # fmt: skip
    return _sign_once(
        pdf, signer=keys.organisation, field=ORGANISATION_FIELD, page=page, box=seal_box,
        style=TextStampStyle(
            stamp_text="%(organisation)s\nKý số: %(when)s",
            text_box_style=TextBoxStyle(font=_font(bold=True), font_size=9, text_color=RED),
            border_width=2, border_color=RED,
        ),
        text_params={"organisation": organisation_name, "when": signing_time_text(when)},
    )  # fmt: skip


def signing_time_text(when: datetime.datetime | None = None) -> str:
    """The time of signing as Decree 30 shows it: date, time and the Vietnamese offset, ISO 8601
    ("2026-12-01T14:37:11+07:00")."""
    moment = when or datetime.datetime.now(datetime.UTC)
    vietnam = datetime.timezone(datetime.timedelta(hours=7))
    return moment.astimezone(vietnam).replace(microsecond=0).isoformat()


def _sign_once(
    pdf: bytes,
    *,
    signer: signers.Signer,
    field: str,
    page: int,
    box: tuple[float, float, float, float],
    style: TextStampStyle,
    text_params: dict,
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    left, bottom, right, top = (int(v) for v in box)
    fields.append_signature_field(
        writer, fields.SigFieldSpec(field, on_page=page, box=(left, bottom, right, top))
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    out = signers.PdfSigner(meta, signer=signer, stamp_style=style).sign_pdf(
        writer, appearance_text_params=text_params
    )
    return out.getvalue()


# --- Checking uploaded signed PDFs ---------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    signed_at: datetime.datetime | None
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # the signer's certificate chains to a configured trust root
    covers_whole_file: bool  # nothing but allowed additions after it
    summary: str


def trust_roots() -> list[asn1_x509.Certificate]:
    return [load_cert_from_pemder(path) for path in settings.SIGNING_TRUST_ROOTS]


def check_signatures(
    pdf: bytes, *, roots: list[asn1_x509.Certificate] | None = None
) -> list[SignatureCheck]:
    """Every signature of the PDF, checked against the trust roots (no network fetches: the
    revocation mode is soft-fail, the roots are the operator's). ValueError when the file is
    not a PDF pyHanko can read."""
    roots = trust_roots() if roots is None else roots
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    results = []
    for embedded in reader.embedded_signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(embedded, context)
        results.append(
            SignatureCheck(
                field=embedded.field_name,
                signer=status.signing_cert.subject.human_friendly,
                signed_at=status.signer_reported_dt,
                intact=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                covers_whole_file=_covers_whole_file(status),
                summary=status.summary(),
            )
        )
    return results


def _covers_whole_file(status: object) -> bool:
    """Signed over the whole file, or followed only by what PAdES allows after a signature
    (another signature's form filling, long-term validation data)."""
    coverage = getattr(status, "coverage", None)
    level = getattr(status, "modification_level", None)
    if coverage is not None and coverage.name == "ENTIRE_FILE":
        return True
    return level is not None and level.name in ("NONE", "LTA_UPDATES", "FORM_FILLING")
