"""Digital signatures of issued documents, with a throw-away CA made here (cryptography): the
signed PDF validates with pyHanko against that root and with poppler's pdfsig, stays PDF/A-3b,
and carries the Decree 30 visible signatures (the signer's, the organisation's seal in red)."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from documents.rendering import render_pdf
from issuing.signing import Keys, check_signatures, load_pkcs12, sign_pdf

NOW = datetime.datetime.now(datetime.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Thử nghiệm"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _certificate(subject, key, issuer, issuer_key, *, ca: bool) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> dict:
    """A root CA and two end certificates (the organisation's, the signer's) as PKCS#12."""
    folder = tmp_path_factory.mktemp("ca")
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate(_name("CA thử nghiệm"), root_key, _name("CA thử nghiệm"), root_key, ca=True)
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    made = {"root": folder / "root.pem", "root_cert": root}
    for who, common in (("organisation", "xã Đồng Liên"), ("person", "Nguyễn Văn An")):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _certificate(_name(common), key, root.subject, root_key, ca=False)
        data = pkcs12.serialize_key_and_certificates(
            who.encode(), key, cert, [root], serialization.BestAvailableEncryption(b"mat-khau")
        )
        (folder / f"{who}.p12").write_bytes(data)
        made[who] = folder / f"{who}.p12"
    return made


def _keys(ca) -> Keys:
    return Keys(
        organisation=load_pkcs12(ca["organisation"], "mat-khau"),
        person=load_pkcs12(ca["person"], "mat-khau"),
    )


def _root(ca) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(ca["root_cert"].public_bytes(serialization.Encoding.DER))


@pytest.fixture
def signed(world, ca):
    """The world's covenant, rendered for real and signed by both keys."""
    from pledges.documents import DOCUMENTS, document_context, load_for_print
    from tests.issuing.test_register import adopted

    adopted(world)
    context = document_context(load_for_print(world.cluster_year.pk))
    unsigned = render_pdf(DOCUMENTS["giao-uoc"].template, context)
    pdf = sign_pdf(unsigned, keys=_keys(ca), organisation_name="xã Đồng Liên",
                   signer_name="Nguyễn Văn An")  # fmt: skip
    return unsigned, pdf


def test_the_signed_pdf_keeps_the_unsigned_bytes_and_its_pdfa(signed):
    unsigned, pdf = signed
    assert pdf.startswith(unsigned)  # incremental update: the first bytes are untouched
    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
        # PDF/A embeds every font, the signatures' appearances' too (no Courier by name).
        descriptors = [
            obj.FontDescriptor
            for obj in document.objects
            if isinstance(obj, pikepdf.Dictionary) and "/FontDescriptor" in obj
        ]
        assert len(descriptors) > 4
        assert all(
            any(key in d for key in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors
        )
        base_fonts = [
            str(o.get("/BaseFont"))
            for o in document.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
        ]
        assert not any("Courier" in name for name in base_fonts)


def test_the_signatures_validate_with_pyhanko_against_the_test_root(signed, ca):
    _unsigned, pdf = signed
    checks = check_signatures(pdf, roots=[_root(ca)])
    assert [c.field for c in checks] == ["ChuKyNguoiCoThamQuyen", "ChuKyCoQuan"]
    assert all(c.intact and c.trusted for c in checks), [c.summary for c in checks]
    assert "Nguyễn Văn An" in checks[0].signer and "xã Đồng Liên" in checks[1].signer
    assert checks[1].covers_whole_file


def test_without_the_root_the_signatures_are_intact_but_not_trusted(signed):
    _unsigned, pdf = signed
    checks = check_signatures(pdf, roots=[])
    assert all(c.intact and not c.trusted for c in checks)


def test_a_changed_byte_breaks_the_signature(signed, ca):
    _unsigned, pdf = signed
    changed = bytearray(pdf)
    position = len(_unsigned) // 2
    changed[position] = ord("x") if changed[position] != ord("x") else ord("y")
    checks = check_signatures(bytes(changed), roots=[_root(ca)])
    assert checks and not any(c.intact for c in checks)


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
def test_the_signatures_validate_with_poppler_pdfsig(signed, tmp_path):
    _unsigned, pdf = signed
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    text = out.stdout
    assert text.count("Signature Validation: Signature is Valid.") == 2, text
    assert "Nguyễn Văn An" in text and "xã Đồng Liên" in text
    assert "Signature Type: ETSI.CAdES.detached" in text


def test_visible_signatures_are_drawn(signed, tmp_path):
    """Writes the last page as PNG (tmp) for a look: ISSUE17_PNG_DIR keeps it."""
    import os

    _unsigned, pdf = signed
    folder = Path(os.environ.get("ISSUE17_PNG_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "signed.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(folder / "signed.pdf"), str(folder / "signed")],
        check=True, timeout=60,
    )  # fmt: skip
    assert list(folder.glob("signed*.png"))


@pytest.fixture
def signing_keys(settings, ca):
    settings.SIGNING_ORGANISATION_PKCS12 = str(ca["organisation"])
    settings.SIGNING_ORGANISATION_PASSWORD = "mat-khau"
    settings.SIGNING_PERSON_PKCS12 = str(ca["person"])
    settings.SIGNING_PERSON_PASSWORD = "mat-khau"
    settings.SIGNING_TRUST_ROOTS = [str(ca["root"])]
    return settings


def test_staff_issue_a_signed_copy_that_the_check_page_trusts(world, client_as, signing_keys):
    from django.urls import reverse

    from issuing.models import IssuedDocument
    from tests.issuing.test_register import adopted

    adopted(world)
    client = client_as("staff")
    register = client.get(reverse("issuing:register", args=[world.cluster_year.pk]))
    assert 'name="sign"' in register.content.decode()
    url = reverse("issuing:issue", args=[world.cluster_year.pk, "giao-uoc"])
    assert client.post(url, {"sign": "1", "confirmed": "1"}).status_code == 302
    document = IssuedDocument.objects.get()
    assert document.signed
    checks = check_signatures(bytes(document.pdf))
    assert len(checks) == 2 and all(c.intact and c.trusted for c in checks)

    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client_as("member_clerk").post(
        reverse("issuing:signature_check"),
        {"file": SimpleUploadedFile("ky.pdf", bytes(document.pdf), "application/pdf")},
    )
    text = page.content.decode()
    assert page.status_code == 200 and text.count("✔") == 6 and "xã Đồng Liên" in text


def test_issuing_signed_without_keys_says_so(world, client_as, settings):
    from django.urls import reverse

    from issuing.models import IssuedDocument
    from tests.issuing.test_register import adopted

    settings.SIGNING_ORGANISATION_PKCS12 = ""
    adopted(world)
    url = reverse("issuing:issue", args=[world.cluster_year.pk, "giao-uoc"])
    response = client_as("staff").post(url, {"sign": "1", "confirmed": "1"}, follow=True)
    assert "Máy chủ chưa được thiết lập ký số" in response.content.decode()
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize("content", [b"not a pdf", b"%PDF-1.7\n%%EOF"])
def test_a_file_that_is_not_a_signed_pdf_gets_a_message(client_as, world, content):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    page = client_as("viewer").post(
        reverse("issuing:signature_check"),
        {"file": SimpleUploadedFile("x.pdf", content, "application/pdf")},
    )
    assert page.status_code == 200 and 'data-testid="check-error"' in page.content.decode()
