"""Checking and re-encoding uploaded portfolio images. Pure: a file in, bytes out, no storage.

An upload is trusted for nothing: its name and content type are ignored, Pillow decides what
it is. The stored original is re-encoded from its pixels, so no metadata of the upload (EXIF
with GPS location, XMP, comments, text chunks) survives; only the colour profile is kept.
See docs/portfolio.md.
"""

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Limits are code, not settings: they protect the server, and are not a policy that differs
# between cities. chains.services reads PORTFOLIO_LIMIT through this module at call time.
PORTFOLIO_LIMIT = 24
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
THUMBNAIL_SIZES = (400, 1200)

# Pillow's name for what it opened -> the format written. MPO is how Pillow names the JPEGs
# many cameras and phones write (a JPEG with extra frames appended); it is stored as a JPEG.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SAVE_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True},
    "PNG": {},
    "WEBP": {"quality": 90, "method": 4},
}


@dataclass(frozen=True)
class ProcessedImage:
    """An accepted upload: the re-encoded original and its thumbnails, all in one format."""

    original: bytes
    thumb_400: bytes
    thumb_1200: bytes
    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def refuse(message: str) -> ValidationError:
    return ValidationError({"image": message})


def not_an_image() -> ValidationError:
    return refuse(_("This file is not an image. Upload a JPEG, PNG or WebP image."))


def damaged() -> ValidationError:
    return refuse(_("This image is damaged or incomplete. Save or export it again and upload "
                    "the new file."))


def too_many_pixels() -> ValidationError:
    return refuse(_("This image has more than %(limit)s pixels, too many to process safely. "
                    "Scale it down and upload it again.")
                  % {"limit": number_format(Image.MAX_IMAGE_PIXELS, force_grouping=True)})


def process_upload(file: IO[bytes]) -> ProcessedImage:
    """Check an uploaded file and re-encode it with 400 and 1200 px thumbnails.

    Raises ValidationError on the "image" key for anything that is not a complete JPEG, PNG
    or WebP image within the size and pixel limits.
    """
    data = read_within_limit(file)
    probe = open_image(data)
    if probe.format not in ACCEPTED_FORMATS:
        raise refuse(_("%(format)s images are not accepted. Upload a JPEG, PNG or WebP image.")
                     % {"format": probe.format})
    check_pixels(probe.size)
    try:
        # verify() checks the structure (PNG checksums, for one) without decoding; the image
        # cannot be used afterwards, so the pixels are decoded from a second open.
        probe.verify()
        image = open_image(data)
        # A truncated file raises here, as long as ImageFile.LOAD_TRUNCATED_IMAGES stays
        # False (its default; nothing in this project sets it).
        image.load()
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds on broken data (OSError, SyntaxError...)
        raise damaged() from error

    out_format = ACCEPTED_FORMATS[probe.format]
    image, icc_profile = normalised(upright(image), out_format)
    thumb_1200 = fit(image, 1200)
    thumb_400 = fit(thumb_1200, 400)
    return ProcessedImage(
        original=encode(image, out_format, icc_profile),
        thumb_400=encode(thumb_400, out_format, icc_profile),
        thumb_1200=encode(thumb_1200, out_format, icc_profile),
        format=out_format,
        width=image.width,
        height=image.height,
    )


def read_within_limit(file: IO[bytes]) -> bytes:
    """The file's bytes, refused before anything is decoded when there are too many."""
    limit_mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    too_large = refuse(_("This file is larger than %(limit)d MB. Upload an image of at most "
                         "%(limit)d MB, for example by exporting it at a smaller size.")
                       % {"limit": limit_mb})
    size = getattr(file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise too_large
    if hasattr(file, "seek"):
        file.seek(0)
    # Read one byte past the limit: a file whose reported size was wrong is caught too.
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large
    return data


def open_image(data: bytes) -> Image.Image:
    """Open (read the header of) an image, refusing what is no image or a decompression bomb.

    Pillow raises DecompressionBombError above twice MAX_IMAGE_PIXELS but only warns above
    MAX_IMAGE_PIXELS; the warning is raised as an error here so the limit itself holds.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels() from error
    except UnidentifiedImageError as error:
        raise not_an_image() from error
    except Exception as error:
        raise damaged() from error


def check_pixels(size: tuple[int, int]) -> None:
    """Refuse more pixels than Pillow's MAX_IMAGE_PIXELS before decoding any.

    open_image already does through Pillow's warning; this check does not depend on the
    process-wide warning filters, which another thread may change at the same time.
    """
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and size[0] * size[1] > limit:
        raise too_many_pixels()


def upright(image: Image.Image) -> Image.Image:
    """The image turned the way its EXIF orientation says it is shown."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # Unreadable EXIF in an image whose pixels decoded fine: store it as it is stored
        # rather than refuse a good image over its metadata.
        return image


def normalised(image: Image.Image, out_format: str) -> tuple[Image.Image, bytes | None]:
    """RGB, or RGBA where the image has transparency and the format keeps it; no metadata.

    Returns the image and its ICC colour profile when the pixels are still in the profile's
    colour space (no conversion happened), so colours look the same after re-encoding.
    """
    keeps_alpha = out_format in ("PNG", "WEBP") and image.has_transparency_data
    mode = "RGBA" if keeps_alpha else "RGB"
    icc_profile = image.info.get("icc_profile") if image.mode == mode else None
    if image.mode != mode:
        image = image.convert(mode)
    # Nothing of the upload's metadata is carried over: EXIF (GPS location, camera serial
    # numbers), XMP, comments and PNG text chunks are all in info.
    image.info = {}
    return image, icc_profile


def fit(image: Image.Image, longest_side: int) -> Image.Image:
    """The image scaled down so its longest side is at most longest_side; never enlarged."""
    width, height = image.size
    if max(width, height) <= longest_side:
        return image
    scale = longest_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(image: Image.Image, out_format: str, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options = dict(SAVE_OPTIONS[out_format])
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(buffer, format=out_format, **options)
    return buffer.getvalue()
