"""Uploaded documents: only PDF, JPEG and PNG, judged by their content, within a size limit
(ASVS 12.1-12.5).

The name a browser sends is never used: a checked upload is renamed ``document.<type>`` and the
model's ``upload_to`` gives it a random name. Files are written 0600 under MEDIA_ROOT, which no
URL serves; a view that checks access to the case hands them out as attachments.
"""

import io
import uuid
from pathlib import PurePath

import filetype
import pypdf
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from PIL import Image

from cafsite.errors import CafError

# Extension each accepted type is stored and served under, and its content type.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
CONTENT_TYPES = {extension: mime for mime, extension in ACCEPTED.items()}
# filetype needs no more than this to recognise any of the accepted types.
SNIFF_BYTES = 8192
# A PDF ends with %%EOF on its last line; the reader looks for it in this many closing bytes
# (as pypdf's strict mode does). Without it pypdf scans backwards line by line, which took
# 77 s for 9 MB of trailing bytes on one line.
PDF_TAIL_BYTES = 1024


class UploadError(CafError):
    pass


def max_megabytes() -> int:
    return settings.UPLOAD_MAX_BYTES // (1024 * 1024)


def _opens(upload: UploadedFile, extension: str) -> bool:
    """Whether the file is what its first bytes claim, as far as a reader can tell."""
    upload.seek(0)
    try:
        if extension == "pdf":
            content = upload.read()
            if b"%%EOF" not in content[-PDF_TAIL_BYTES:]:
                return False
            return len(pypdf.PdfReader(io.BytesIO(content)).pages) > 0
        with Image.open(upload) as image:
            image.verify()
        return True
    except Exception:  # any failure to parse means "not a usable document"
        return False
    finally:
        upload.seek(0)


def sniffed_extension(handle) -> str | None:
    """The accepted type a stored file's first bytes show, or None."""
    handle.seek(0)
    kind = filetype.guess(handle.read(SNIFF_BYTES))
    handle.seek(0)
    return ACCEPTED.get(kind.mime) if kind else None


def checked_document(upload: UploadedFile, *, field: str) -> UploadedFile:
    """Return ``upload`` renamed ``document.<pdf|jpg|png>`` if it is a readable PDF, JPEG or
    PNG of at most UPLOAD_MAX_BYTES; raise ``UploadError`` about ``field`` otherwise.
    Checking it again (the form, then the service) costs nothing the second time."""
    if getattr(upload, "checked", False):
        return upload
    if getattr(upload, "too_large", False) or upload.size > settings.UPLOAD_MAX_BYTES:
        raise UploadError(f"The file must be {max_megabytes()} MB or smaller.", field=field)
    extension = sniffed_extension(upload)
    if extension is None or not _opens(upload, extension):
        raise UploadError("The file must be a PDF, JPEG or PNG.", field=field)
    upload.name = f"document.{extension}"
    upload.checked = True
    return upload


def random_path(folder: str, filename: str) -> str:
    """For an ``upload_to``: a random name in ``folder``, keeping only the checked extension."""
    return f"{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class OversizedUpload(UploadedFile):
    """Stands in for a file over the limit: its size is known, its content was not kept."""

    too_large = True

    def __init__(self, name: str, size: int) -> None:
        super().__init__(io.BytesIO(), name=name, size=size)


class UploadSizeLimitHandler(FileUploadHandler):
    """First upload handler: stops passing a file's bytes on (to memory or a temporary file)
    once it is over UPLOAD_MAX_BYTES, so an oversized upload is never stored whole; the form
    then says it is too large, with the rest of what was typed kept."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return None if self.received > settings.UPLOAD_MAX_BYTES else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received > settings.UPLOAD_MAX_BYTES:
            return OversizedUpload(self.file_name, self.received)
        return None
