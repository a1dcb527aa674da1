"""Media storage in an S3-compatible bucket that never serves an upload as something to run.

The app stores only images it re-encoded itself with Pillow (chains/images.py: JPEG, PNG or
WebP, named by a random token and the format's extension). The bucket answers with whatever
Content-Type an object was stored with, so the type is set here from the extension, through a
whitelist of those image types, and never from the upload or a guess: an object named
otherwise is stored as `application/octet-stream` to download (`Content-Disposition:
attachment`), which no browser renders or runs. docs/deploy.md, "Media".
"""

from storages.backends.s3 import S3Storage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from chains.images import EXTENSIONS

# The extension each stored format gets -> the type it is served as.
SAFE_CONTENT_TYPES = {
    EXTENSIONS["JPEG"]: "image/jpeg",
    EXTENSIONS["PNG"]: "image/png",
    EXTENSIONS["WEBP"]: "image/webp",
}
DOWNLOAD_ONLY = "application/octet-stream"
# Names are random and never reused (a new upload gets a new token), so a cached copy never
# goes stale.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def object_parameters(name: str) -> dict[str, str]:
    """The Content-Type, Content-Disposition and Cache-Control an object is stored with."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    content_type = SAFE_CONTENT_TYPES.get(extension)
    if content_type is None:
        return {"ContentType": DOWNLOAD_ONLY, "ContentDisposition": "attachment",
                "CacheControl": CACHE_CONTROL}
    return {"ContentType": content_type, "ContentDisposition": "inline",
            "CacheControl": CACHE_CONTROL}


class SafeS3Storage(S3Storage):
    """django-storages' S3 storage, with each object's type from the image whitelist."""

    def get_object_parameters(self, name):
        # ContentType set here is what django-storages sends; it then guesses nothing from the
        # name nor takes the upload's own content_type.
        return {**super().get_object_parameters(name), **object_parameters(name)}


class ProductionStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage (hashed names, gzip and brotli copies) that rewrites the references
    in CSS but not the source-map comment in JavaScript: the vendored chart.js names a map
    that is not shipped, and the file is kept byte for byte as published (its sha256 is in
    static/vendor/README.md), so collectstatic would otherwise refuse it."""

    patterns = tuple((glob, rewrites) for glob, rewrites in
                     CompressedManifestStaticFilesStorage.patterns if glob != "*.js")


__all__ = ["SAFE_CONTENT_TYPES", "ProductionStaticFilesStorage", "SafeS3Storage",
           "object_parameters"]
