"""Scans of signed consent forms (ASVS 12.1-12.5): only PDF, JPEG and PNG by content, at most
10 MB, stored owner-only under random names that no URL serves, handed out as attachments to
those who may see the case, each download logged."""

import io
import os
import re
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from knox.models import AuthToken
from PIL import Image
from pypdf import PdfWriter
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from consent.models import Consent
from consent.services import consent_record

TODAY = timezone.localdate()
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format=kind)
    return out.getvalue()


GOOD = {
    "pdf": pdf_bytes,
    "jpg": lambda: image_bytes("JPEG"),
    "png": lambda: image_bytes("PNG"),
}
BAD = {
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
    "truncated png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "pdf header, no pdf": b"%PDF-1.7\n<script>alert(1)</script>",
    # Megabytes after the end on one line: the PDF reader would scan them backwards for
    # minutes; a PDF ends with %%EOF.
    "bytes after the end": pdf_bytes() + b"%" * (3 * 1024 * 1024),
}


def consent_post(**extra) -> dict:
    return {
        "given_by": "parent",
        "giver_name": "Pat Parent",
        "relationship": "mother",
        "to_undertake": "on",
        "to_record": "on",
        "share_scope": "none",
        "method": "written",
        "signed_name": "Pat Parent",
        "signed_on": f"{TODAY:%d/%m/%Y}",
        **extra,
    }


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def with_scan(world, content: bytes | None = None) -> Consent:
    """A consent whose family agreed to no sharing, so only the school and the CAF team see it."""
    scan = SimpleUploadedFile("signed.pdf", content or pdf_bytes())
    return consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="none",
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        scan=scan,
    )


@pytest.mark.parametrize("kind", GOOD)
def test_pdf_jpeg_and_png_are_accepted_by_content_not_name(world, login, kind):
    client = login(world.a.users["assessor"])
    upload = SimpleUploadedFile("whatever-the-browser-said.txt", GOOD[kind]())

    response = client.post(f"/cases/{world.a.case.pk}/consent/", consent_post(scan=upload))

    assert response.status_code == 302
    assert re.fullmatch(rf"consent/[0-9a-f]{{32}}\.{kind}", Consent.objects.get().scan.name)


@pytest.mark.parametrize("kind", BAD)
def test_anything_else_is_refused_beside_the_field_with_input_kept(world, login, kind):
    client = login(world.a.users["assessor"])
    upload = SimpleUploadedFile("scan.pdf", BAD[kind], content_type="application/pdf")

    response = client.post(f"/cases/{world.a.case.pk}/consent/", consent_post(scan=upload))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file must be a PDF, JPEG or PNG." in page
    assert 'value="Pat Parent"' in page
    assert not Consent.objects.exists()


def test_a_scan_over_10_mb_is_refused_and_not_stored(world, login, media_root):
    client = login(world.a.users["assessor"])
    content = pdf_bytes() + b"%" * (TEN_MB + 1)
    upload = SimpleUploadedFile("big.pdf", content, content_type="application/pdf")

    response = client.post(f"/cases/{world.a.case.pk}/consent/", consent_post(scan=upload))

    assert "The file must be 10 MB or smaller." in response.content.decode()
    assert not Consent.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_the_size_limit_stops_storing_a_file_part_way(world, rf):
    from cafsite.uploads import UploadSizeLimitHandler

    handler = UploadSizeLimitHandler(rf.post("/"))
    handler.new_file("scan", "big.pdf", "application/pdf", None)
    passed = [handler.receive_data_chunk(b"x" * (4 * 1024 * 1024), 0) for _ in range(4)]

    assert [chunk is not None for chunk in passed] == [True, True, False, False]
    assert handler.file_complete(16 * 1024 * 1024).too_large


def test_the_service_refuses_what_the_form_would(world):
    from cafsite.errors import CafError

    with pytest.raises(CafError, match="PDF, JPEG or PNG"):
        with_scan(world, BAD["svg"])
    assert not Consent.objects.exists()


def test_stored_scans_are_owner_only_under_media_root(world, media_root):
    consent = with_scan(world)

    path = Path(consent.scan.path)
    assert path.is_relative_to(media_root)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_the_scan_downloads_as_an_attachment_never_cached_and_logged(world, login):
    consent = with_scan(world)
    client = login(world.a.users["coordinator"])

    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/").content.decode()
    response = client.get(f"/cases/{world.a.case.pk}/consent/{consent.pk}/scan/")

    assert f"/cases/{world.a.case.pk}/consent/{consent.pk}/scan/" in page
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes_of(consent)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AccessLogEntry.objects.get(action=AccessAction.EXPORT)
    assert entry.user == world.a.users["coordinator"]
    assert entry.case_id == world.a.case.pk


def pdf_bytes_of(consent: Consent) -> bytes:
    with consent.scan.open("rb") as handle:
        return handle.read()


def without_nonce(response) -> bytes:
    """The page without what differs on every response (or names the address asked for)."""
    return re.sub(
        rb'(nonce|csrfmiddlewaretoken" value|name="next" value)="[^"]*"', b"", response.content
    )


def test_outsiders_get_the_same_404_as_for_a_missing_scan(world, login):
    consent = with_scan(world)
    case = world.a.case
    no_scan = login(world.a.users["coordinator"]).get(f"/cases/{case.pk}/consent/999999/scan/")
    assert no_scan.status_code == 404

    for outsider in (world.a.users["police_practitioner"], world.b.users["coordinator"]):
        client = login(outsider)
        response = client.get(f"/cases/{case.pk}/consent/{consent.pk}/scan/")
        missing = client.get("/cases/999999/consent/1/scan/")
        assert response.status_code == missing.status_code == 404
        assert without_nonce(response) == without_nonce(missing)
        by_api = api(outsider).get(f"/api/cases/{case.pk}/consents/{consent.pk}/scan/")
        assert by_api.status_code == 404
    assert not AccessLogEntry.objects.filter(action=AccessAction.EXPORT).exists()


def test_no_url_serves_the_upload_folder(world, client, media_root):
    consent = with_scan(world)
    name = consent.scan.name

    for path in (f"/media/{name}", f"/{name}", f"/static/{name}", f"/static/../media/{name}"):
        assert client.get(path).status_code == 404
    for served in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        folder = Path(served[1] if isinstance(served, tuple) else served).resolve()
        assert not Path(media_root).resolve().is_relative_to(folder)


def test_the_api_takes_a_checked_scan_and_hands_it_out(world):
    client = api(world.a.users["assessor"])
    url = f"/api/cases/{world.a.case.pk}/consent/"
    fields = consent_post(signed_on=TODAY.isoformat(), to_undertake="true", to_record="true")

    refused = client.post(
        url, {**fields, "scan": SimpleUploadedFile("x.png", BAD["svg"])}, format="multipart"
    )
    recorded = client.post(
        url, {**fields, "scan": SimpleUploadedFile("x", GOOD["png"]())}, format="multipart"
    )
    consent_id = recorded.json()["id"]
    download = client.get(f"/api/cases/{world.a.case.pk}/consents/{consent_id}/scan/")

    assert refused.status_code == 400 and "scan" in refused.json()
    assert recorded.status_code == 201 and recorded.json()["has_scan"] is True
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
