"""Digital signatures of issued documents (pyHanko), laid out as Decree 30/2020/NĐ-CP, Appendix I
asks of an electronic document:

- the signer's signature at the signature place (above the signer's printed name), in blue;
- the organisation's signature at the seal place — over the left third of the signer's — in red,
  with the organisation's name and the time of signing (date, time, Vietnamese offset).

Each is a PAdES baseline signature (ETSI.CAdES.detached, SHA-256) added by incremental update:
the bytes signed first are kept as they are, so the PDF/A-3b of the unsigned document stays (the
appearances use the project's own embedded font, which PDF/A requires).

Keys are the operator's, named in the environment (settings.SIGNING_*), for each role (the
organisation's seal, the signer's signature): a PKCS#12 file, or a PKCS#11 token (a USB token, an
HSM) through pyHanko's ``PKCS11Signer`` and ``python-pkcs11`` — the token's module, its label, the
key's and certificate's labels and the PIN (or a file holding it). A key that cannot be had (no
such module or token, a wrong PIN, no such key) is SigningNotConfigured with the reason, never a
crash mid-issue; ``configuration_problems`` says the same to ``manage.py check``.

Uploaded signed PDFs are checked against the trust roots the operator configures
(SIGNING_TRUST_ROOTS): each signature's integrity, its signer, whether the signer's certificate
chains to a trusted root, and whether it covers the whole file."""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pkcs11 import Session
from pkcs11.exceptions import PKCS11Error
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

MM = 72 / 25.4
BLUE = (0.0, 0.2, 0.7)
RED = (0.85, 0.0, 0.0)
PERSON_FIELD = "ChuKyNguoiCoThamQuyen"
ORGANISATION_FIELD = "ChuKyCoQuan"
ROLES = ("ORGANISATION", "PERSON")

logger = logging.getLogger(__name__)


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
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            str(path), passphrase=password.encode() if password else None
        )
    except (OSError, ValueError) as error:
        raise SigningNotConfigured(f"cannot read the PKCS#12 file {path}: {error}") from error
    if signer is None:
        raise SigningNotConfigured(f"cannot read the PKCS#12 file {path}")
    return signer


@dataclass(frozen=True)
class Pkcs11Key:
    """Where one role's key is on a PKCS#11 token (settings.SIGNING_<ROLE>_PKCS11_*)."""

    module: str  # the token's PKCS#11 library (.so)
    token: str  # the token's label
    key: str  # the private key's label
    cert: str = ""  # the certificate's label (default: the key's)
    pin: str = ""
    pin_file: str = ""  # a file holding the PIN (its first line), instead of pin

    def read_pin(self) -> str:
        if self.pin_file:
            try:
                lines = Path(self.pin_file).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise SigningNotConfigured(f"cannot read the PIN file {self.pin_file}") from error
            return lines[0].strip() if lines else ""
        return self.pin


class _TokenSigner(PKCS11Signer):
    """PKCS11Signer whose failures at signing time (the token pulled out, the session closed)
    are SigningNotConfigured, which the issuing view reports (the transaction gives the number
    back), instead of an error page."""

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        try:
            return await super().async_sign_raw(data, digest_algorithm, dry_run=dry_run)
        except (PKCS11Error, SigningError) as error:
            raise SigningNotConfigured(f"the PKCS#11 token failed to sign: {error!r}") from error


# One session per token in a process, reused by every issue (a token allows few sessions, and
# opening one logs in); dropped when a key cannot be had from it or the PIN changes (PKCS#11
# logs in a whole application at once: a session with another PIN is closed first).
_sessions: dict[tuple[str, str], tuple[str, Session]] = {}


def _session(where: Pkcs11Key) -> Session:
    pin = where.read_pin()
    cached = _sessions.get((where.module, where.token))
    if cached is not None:
        if cached[0] == pin:
            return cached[1]
        _forget(cached[1])
    if not Path(where.module).is_file():
        raise SigningNotConfigured(f"no PKCS#11 module at {where.module}")
    try:
        session = open_pkcs11_session(
            where.module,
            token_criteria=TokenCriteria(label=where.token) if where.token else None,
            user_pin=pin or None,
        )
    except (PKCS11Error, SigningError, OSError, RuntimeError) as error:
        raise SigningNotConfigured(
            f"cannot open the PKCS#11 token {where.token!r} with {where.module}: {error!r}"
        ) from error
    _sessions[(where.module, where.token)] = (pin, session)
    return session


def load_pkcs11(where: Pkcs11Key) -> PKCS11Signer:
    """A signer with the key and certificate on the token, both found now (so a wrong label is
    said before a number is taken), or SigningNotConfigured with the reason. A kept session
    that fails (the token was pulled out and put back) is dropped and a new one tried once."""
    while True:
        fresh = (where.module, where.token) not in _sessions
        session = _session(where)
        signer = _TokenSigner(session, cert_label=where.cert or where.key, key_label=where.key)
        try:
            signer._load_objects()
            return signer
        except (PKCS11Error, SigningError) as error:
            _forget(session)
            if fresh:
                raise SigningNotConfigured(
                    f"no key {where.key!r} with a certificate {where.cert or where.key!r} on "
                    f"the PKCS#11 token {where.token!r}: {error!r}"
                ) from error


def _forget(session: Session) -> None:
    for cache_key, (_pin, cached) in list(_sessions.items()):
        if cached is session:
            del _sessions[cache_key]
    with contextlib.suppress(PKCS11Error):
        session.close()


def pkcs11_settings(role: str) -> Pkcs11Key | None:
    """The role's (ORGANISATION, PERSON) token key from the settings, None when not set."""
    module = getattr(settings, f"SIGNING_{role}_PKCS11_MODULE", "")
    if not module:
        return None
    return Pkcs11Key(
        module=module,
        token=getattr(settings, f"SIGNING_{role}_PKCS11_TOKEN", ""),
        key=getattr(settings, f"SIGNING_{role}_PKCS11_KEY", ""),
        cert=getattr(settings, f"SIGNING_{role}_PKCS11_CERT", ""),
        pin=getattr(settings, f"SIGNING_{role}_PKCS11_PIN", ""),
        pin_file=getattr(settings, f"SIGNING_{role}_PKCS11_PIN_FILE", ""),
    )


@dataclass(frozen=True)
class Keys:
    organisation: signers.Signer
    person: signers.Signer | None = None


def _role_signer(role: str) -> signers.Signer | None:
    """The role's signer: its PKCS#12 file if one is named, else its PKCS#11 token, else None."""
    pkcs12_path = getattr(settings, f"SIGNING_{role}_PKCS12", "")
    if pkcs12_path:
        return load_pkcs12(pkcs12_path, getattr(settings, f"SIGNING_{role}_PASSWORD", ""))
    token = pkcs11_settings(role)
    if token is not None:
        return load_pkcs11(token)
    return None


def configured_keys() -> Keys:
    """The operator's keys (settings.SIGNING_*), or SigningNotConfigured (with the reason, also
    logged for the operator)."""
    try:
        organisation = _role_signer("ORGANISATION")
        if organisation is None:
            raise SigningNotConfigured("no key for the organisation")
        return Keys(organisation=organisation, person=_role_signer("PERSON"))
    except SigningNotConfigured as error:
        logger.warning("Signing keys unavailable: %s", error)
        raise


def configuration_problems() -> list[str]:
    """What is wrong with the signing settings, for ``manage.py check``: each configured key is
    loaded (the token opened, the PIN tried, the key and certificate found). Nothing configured
    is no problem (issuing without signing)."""
    problems = []
    for role in ROLES:
        if getattr(settings, f"SIGNING_{role}_PKCS12", "") and pkcs11_settings(role):
            problems.append(
                f"SIGNING_{role}_PKCS12 and SIGNING_{role}_PKCS11_MODULE are both set: "
                "the PKCS#12 file is used"
            )
        try:
            _role_signer(role)
        except SigningNotConfigured as error:
            problems.append(f"{role.lower()}: {error}")
    if (
        not problems
        and pkcs11_settings("PERSON")
        and not (settings.SIGNING_ORGANISATION_PKCS12 or pkcs11_settings("ORGANISATION"))
    ):
        problems.append("the signer's key is set but not the organisation's: nothing is signed")
    return problems


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
