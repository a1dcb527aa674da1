"""Media in an S3-compatible bucket (broedplaats/storage.py), against moto's in-process S3:
an upload through the real services lands in the bucket with a Content-Type from the image
whitelist, never one taken from the upload or guessed from a name."""

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from moto import mock_aws

from broedplaats.services import space_photo_add
from broedplaats.storage import SafeS3Storage
from chains.services import portfolio_image_add
from tests.factories import CreativeFactory, SpaceFactory
from tests.images import image_bytes, upload

BUCKET = "broedplaats-media"
REGION = "eu-central-1"


@pytest.fixture
def bucket(settings):
    """An empty bucket and the media storage settings make for MEDIA_S3_BUCKET."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION, aws_access_key_id="test",
                          aws_secret_access_key="test")
        s3.create_bucket(Bucket=BUCKET,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "broedplaats.storage.SafeS3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "region_name": REGION, "access_key": "test",
                        "secret_key": "test", "default_acl": None, "file_overwrite": False},
        }}
        yield s3


def stored(s3) -> dict[str, dict]:
    """Every object in the bucket: its key -> the headers S3 answers it with."""
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: s3.head_object(Bucket=BUCKET, Key=key) for key in keys}


def test_a_space_photo_lands_in_the_bucket_as_an_image_shown_inline(bucket, db):
    assert isinstance(storages["default"], SafeS3Storage)
    space = SpaceFactory()
    # The browser's claimed type and name are the upload's word, and count for nothing.
    photo = space_photo_add(space=space, file=upload(image_bytes("PNG"), name="evil.html",
                                                     content_type="text/html"))
    objects = stored(bucket)
    assert sorted(objects) == sorted([photo.image.name, photo.thumb_400.name,
                                      photo.thumb_1200.name])
    assert all(key.startswith(f"spaces/{space.pk}/") and key.endswith(".png") for key in objects)
    for head in objects.values():
        assert head["ContentType"] == "image/png"
        assert head["ContentDisposition"] == "inline"
    assert "Signature=" in photo.image.url or "X-Amz-Signature=" in photo.image.url


def test_a_portfolio_jpeg_is_stored_as_image_jpeg(bucket, db):
    image = portfolio_image_add(creative=CreativeFactory(), file=upload(image_bytes("JPEG")))
    head = stored(bucket)[image.image.name]
    assert head["ContentType"] == "image/jpeg"


def test_a_refused_upload_leaves_nothing_in_the_bucket(bucket, db):
    html = b"<html><script>alert(document.cookie)</script></html>"
    with pytest.raises(ValidationError):
        space_photo_add(space=SpaceFactory(), file=upload(html, name="photo.jpg"))
    assert stored(bucket) == {}


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "script.js", "no-extension",
                                  "photo.jpg.html", "archive.tar.gz"])
def test_a_name_outside_the_whitelist_is_only_ever_a_download(bucket, name):
    content = ContentFile(b"<script>alert(1)</script>")
    content.content_type = "text/html"  # what an upload might claim
    default_storage.save(f"other/{name}", content)
    (head,) = stored(bucket).values()
    assert head["ContentType"] == "application/octet-stream"
    assert head["ContentDisposition"] == "attachment"


def test_the_whitelisted_type_wins_over_the_claimed_one(bucket):
    content = ContentFile(image_bytes("WEBP"))
    content.content_type = "text/html"
    name = default_storage.save("portfolio/1/abc.WEBP", content)
    assert stored(bucket)[name]["ContentType"] == "image/webp"
