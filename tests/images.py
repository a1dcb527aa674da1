"""Test images made with Pillow, uploads of them, and what a test's MEDIA_ROOT holds.

Shared by the portfolio and the space photo tests (both go through chains.images)."""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

NOT_AN_IMAGE = "This file is not an image. Upload a JPEG, PNG or WebP image."
DAMAGED = ("This image is damaged or incomplete. Save or export it again and upload the new "
           "file.")


def image_bytes(fmt: str = "JPEG", size=(800, 600), mode: str = "RGB", color="teal",
                **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 22.0, 21.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (4.0, 53.0, 42.0),
    }
    return exif
