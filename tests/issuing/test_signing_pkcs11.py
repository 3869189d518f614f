"""Signing issued documents with keys on a PKCS#11 token, for real: a throw-away SoftHSM2 token
in a temporary folder holds the organisation's and the signer's keys, made with certificates by
the throw-away CA of test_signing. A document issued through the staff's page is signed on the
token and validates with pyHanko against that root and with poppler's pdfsig; a bad
configuration (no module, a wrong PIN, no such token or key) is a message and a system check
warning, never an error page. Skipped where softhsm2 is not installed (CI installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from issuing import signing
from tests.issuing.test_signing import _certificate, _name

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
SOFTHSM_MODULE = next((p for p in MODULE_CANDIDATES if Path(p).is_file()), "")
TOKEN, PIN, SO_PIN = "giaouoc-thu", "123456", "12345678"

NO_SOFTHSM = "softhsm2 is not installed (apt-get install softhsm2): no PKCS#11 token to sign with"


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (args, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def token(tmp_path_factory) -> Iterator[dict]:
    """A SoftHSM2 token (its own config and token folder in tmp) with the organisation's key
    (label "to-chuc") and the signer's ("nguoi-ky"), each with its certificate under the same
    label and id, both issued by a throw-away root. Once a run: SoftHSM2 reads its config once
    a process, and pytest-django runs the database tests of every module first."""
    if not (SOFTHSM_MODULE and shutil.which("softhsm2-util")):
        pytest.skip(NO_SOFTHSM)
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        _run("softhsm2-util", "--init-token", "--free", "--label", TOKEN,
             "--pin", PIN, "--so-pin", SO_PIN)  # fmt: skip
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root = _certificate(_name("CA thử nghiệm"), root_key, _name("CA thử nghiệm"), root_key,
                            ca=True)  # fmt: skip
        (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
        made: dict = {"root": folder / "root.pem", "module": SOFTHSM_MODULE}
        certificates = {}
        for index, (label, common) in enumerate(
            (("to-chuc", "xã Đồng Liên"), ("nguoi-ky", "Nguyễn Văn An")), start=1
        ):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            cert = _certificate(_name(common), key, root.subject, root_key, ca=False)
            pem = folder / f"{label}.pem"
            pem.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            _run("softhsm2-util", "--import", str(pem), "--token", TOKEN, "--label", label,
                 "--id", f"{index:02x}", "--pin", PIN)  # fmt: skip
            pem.unlink()
            certificates[label] = (bytes([index]), cert.public_bytes(serialization.Encoding.DER))
        _write_certificates(certificates)
        yield made
    finally:
        for _pin, session in list(signing._sessions.values()):
            signing._forget(session)
        if before is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = before


def _write_certificates(certificates: dict[str, tuple[bytes, bytes]]) -> None:
    """Each certificate onto the token as a certificate object (python-pkcs11), labelled as its
    key (softhsm2-util imports keys only)."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.x509 import decode_x509_certificate

    library = pkcs11.lib(SOFTHSM_MODULE)
    with library.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        for label, (object_id, der) in certificates.items():
            attributes = decode_x509_certificate(der)
            attributes.update(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: object_id,
                }
            )
            session.create_object(attributes)


@pytest.fixture
def on_token(settings, token):
    """The settings of an operator whose keys are on the token (no PKCS#12 file)."""
    settings.SIGNING_ORGANISATION_PKCS12 = ""
    settings.SIGNING_PERSON_PKCS12 = ""
    for role, label in (("ORGANISATION", "to-chuc"), ("PERSON", "nguoi-ky")):
        setattr(settings, f"SIGNING_{role}_PKCS11_MODULE", token["module"])
        setattr(settings, f"SIGNING_{role}_PKCS11_TOKEN", TOKEN)
        setattr(settings, f"SIGNING_{role}_PKCS11_KEY", label)
        setattr(settings, f"SIGNING_{role}_PKCS11_CERT", "")
        setattr(settings, f"SIGNING_{role}_PKCS11_PIN", PIN)
        setattr(settings, f"SIGNING_{role}_PKCS11_PIN_FILE", "")
    settings.SIGNING_TRUST_ROOTS = [str(token["root"])]
    return settings


def _issue(world, client_as):
    from django.urls import reverse

    from tests.issuing.test_register import adopted

    adopted(world)
    url = reverse("issuing:issue", args=[world.cluster_year.pk, "giao-uoc"])
    return client_as("staff").post(url, {"sign": "1", "confirmed": "1"}, follow=True)


def _signing_warnings() -> list[str]:
    from django.core.checks import run_checks

    return [m.msg for m in run_checks() if m.id == "issuing.W001"]


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
def test_a_document_issued_with_keys_on_the_token_validates(world, client_as, on_token, tmp_path):
    from issuing.models import IssuedDocument

    assert _signing_warnings() == []
    response = _issue(world, client_as)
    assert response.status_code == 200
    document = IssuedDocument.objects.get()
    assert document.signed
    pdf = bytes(document.pdf)
    checks = signing.check_signatures(pdf)
    assert [c.field for c in checks] == [signing.PERSON_FIELD, signing.ORGANISATION_FIELD]
    assert all(c.intact and c.trusted for c in checks), [c.summary for c in checks]
    assert "Nguyễn Văn An" in checks[0].signer and "xã Đồng Liên" in checks[1].signer
    assert checks[1].covers_whole_file

    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    assert out.stdout.count("Signature Validation: Signature is Valid.") == 2, out.stdout
    assert "Nguyễn Văn An" in out.stdout and "xã Đồng Liên" in out.stdout
    assert "Signature Type: ETSI.CAdES.detached" in out.stdout


def test_the_pin_may_be_in_a_file(on_token, tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    on_token.SIGNING_ORGANISATION_PKCS11_PIN = ""
    on_token.SIGNING_ORGANISATION_PKCS11_PIN_FILE = str(pin_file)
    on_token.SIGNING_PERSON_PKCS11_MODULE = ""
    keys = signing.configured_keys()
    assert keys.person is None
    assert "xã Đồng Liên" in keys.organisation.signing_cert.subject.human_friendly


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("MODULE", "/nonexistent/libpkcs11.so", "no PKCS#11 module"),
        ("PIN", "000000", "PinIncorrect"),
        ("TOKEN", "khong-co-token", "cannot open the PKCS#11 token"),
        ("KEY", "khong-co-khoa", "no key 'khong-co-khoa'"),
        ("PIN_FILE", "/nonexistent/pin", "cannot read the PIN file"),
    ],
)
def test_a_bad_token_configuration_is_a_message_and_a_check_warning(
    world, client_as, on_token, setting, value, reason
):
    from issuing.models import IssuedDocument

    setattr(on_token, f"SIGNING_ORGANISATION_PKCS11_{setting}", value)
    warnings = _signing_warnings()
    assert len(warnings) == 1 and reason in warnings[0], warnings
    response = _issue(world, client_as)
    assert response.status_code == 200
    assert "Máy chủ chưa được thiết lập ký số" in response.content.decode()
    assert not IssuedDocument.objects.exists()


def test_nothing_configured_is_no_warning(settings):
    settings.SIGNING_ORGANISATION_PKCS12 = ""
    settings.SIGNING_PERSON_PKCS12 = ""
    settings.SIGNING_ORGANISATION_PKCS11_MODULE = ""
    settings.SIGNING_PERSON_PKCS11_MODULE = ""
    assert _signing_warnings() == []
