"""A creative's portfolio: what is accepted, what is refused (leaving nothing stored), and the
files that go with each row. Every test image is made here with Pillow; nothing is written
outside the test's own MEDIA_ROOT."""

import io
import random
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image, ImageFile

from chains import images
from chains.models import Creative, PortfolioImage
from chains.selectors import portfolio_of
from chains.services import portfolio_image_add, portfolio_image_remove, portfolio_image_reorder
from tests.factories import CreativeFactory, StageMoveFactory
from tests.images import DAMAGED, NOT_AN_IMAGE, gps_exif, image_bytes, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

TOO_LARGE = ("This file is larger than 15 MB. Upload an image of at most 15 MB, for example by "
             "exporting it at a smaller size.")


def too_many_pixels(limit: str) -> str:
    return (f"This image has more than {limit} pixels, too many to process safely. Scale it "
            "down and upload it again.")


@pytest.fixture
def creative() -> Creative:
    return CreativeFactory()


def noise_bytes(fmt: str = "JPEG", size=(300, 200)) -> bytes:
    """An image that does not compress to almost nothing, so cutting it cuts pixel data."""
    noise = random.Random(0).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(buffer, format=fmt)
    return buffer.getvalue()


def opened(field) -> Image.Image:
    image = Image.open(field.path)
    image.load()
    return image


def all_files(image: PortfolioImage) -> list:
    return [image.image, image.thumb_400, image.thumb_1200]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given dimensions (the pixels are never there)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))
            + chunk(b"IEND", b""))


def assert_refused(creative, media, data_or_file, message: str, **upload_kwargs) -> None:
    file = data_or_file if not isinstance(data_or_file, bytes) else upload(data_or_file,
                                                                           **upload_kwargs)
    with pytest.raises(ValidationError) as error:
        portfolio_image_add(creative=creative, file=file)
    assert error.value.message_dict == {"image": [message]}
    assert not PortfolioImage.objects.exists()
    assert stored_files(media) == []


# --- accepted --------------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp")])
def test_accepted_format_is_stored_with_400_and_1200_px_thumbnails(creative, fmt, name):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes(fmt, (2000, 1500)),
                                                               name=name))
    assert (image.width, image.height) == (2000, 1500)
    assert [(f.format, f.size) for f in map(opened, all_files(image))] == [
        (fmt, (2000, 1500)), (fmt, (400, 300)), (fmt, (1200, 900)),
    ]


def test_portrait_image_is_scaled_by_its_longest_side(creative):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes(size=(1500, 3000))))
    assert [opened(f).size for f in all_files(image)] == [(1500, 3000), (200, 400), (600, 1200)]


def test_small_image_is_not_upscaled(creative):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes(size=(300, 200))))
    assert [opened(f).size for f in all_files(image)] == [(300, 200)] * 3


def test_files_are_stored_under_the_creatives_folder_without_the_uploaded_name(creative, media):
    image = portfolio_image_add(creative=creative,
                                file=upload(image_bytes(), name="home-address-holiday.jpg"))
    names = [f.name for f in all_files(image)]
    assert all(name.startswith(f"portfolio/{creative.pk}/") for name in names)
    assert not any("holiday" in name for name in names)
    assert names[1].endswith("-400.jpg") and names[2].endswith("-1200.jpg")
    assert stored_files(media) == sorted(media / name for name in names)


def test_format_is_decided_by_the_content_not_the_name(creative):
    image = portfolio_image_add(
        creative=creative, file=upload(image_bytes("PNG"), name="a.jpg", content_type="image/jpeg")
    )
    assert opened(image.image).format == "PNG"
    assert image.image.name.endswith(".png")


def test_camera_jpeg_with_extra_frames_is_stored_as_jpeg(creative):
    """Pillow calls the JPEGs many cameras write (a second frame appended) MPO."""
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (640, 480), "red"), Image.new("RGB", (640, 480), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    image = portfolio_image_add(creative=creative, file=upload(buffer.getvalue()))
    assert opened(image.image).format == "JPEG"


def test_caption_and_position_are_stored_in_upload_order(creative):
    first = portfolio_image_add(creative=creative, file=upload(image_bytes()), caption="Kiln")
    second = portfolio_image_add(creative=creative, file=upload(image_bytes()))
    assert (first.caption, first.position, second.position) == ("Kiln", 0, 1)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_with_gps_location_is_stripped_from_the_image_and_thumbnails(creative, fmt):
    exif = gps_exif()
    data = image_bytes(fmt, (1600, 1200), exif=exif.tobytes() if fmt == "WEBP" else exif)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry a location
    image = portfolio_image_add(creative=creative, file=upload(data))
    for stored in map(opened, all_files(image)):
        assert "exif" not in stored.info
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_xmp_and_comments_are_stripped(creative):
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>52,22N</exif:GPSLatitude>'
    data = image_bytes("JPEG", xmp=xmp + b"</x:xmpmeta>", comment=b"Home: Werkstraat 1")
    image = portfolio_image_add(creative=creative, file=upload(data))
    for field in all_files(image):
        content = Path(field.path).read_bytes()
        assert b"GPSLatitude" not in content and b"Werkstraat" not in content


def test_png_text_chunks_are_stripped(creative):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Location", "Werkstraat 1, Amsterdam")
    image = portfolio_image_add(creative=creative,
                                file=upload(image_bytes("PNG", pnginfo=info), name="a.png"))
    assert b"Werkstraat" not in Path(image.image.path).read_bytes()


def test_exif_orientation_is_applied(creative):
    """Orientation 6: the camera was turned, the picture is shown turned 90° clockwise."""
    picture = Image.new("RGB", (400, 200), "blue")
    picture.paste("red", (0, 0, 200, 200))  # left half red
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    image = portfolio_image_add(creative=creative, file=upload(buffer.getvalue()))
    stored = opened(image.image)
    assert (image.width, image.height) == stored.size == (200, 400)
    red, blue = stored.getpixel((100, 50)), stored.getpixel((100, 350))
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]  # the left side is now on top
    assert opened(image.thumb_400).size == (200, 400)


@pytest.mark.parametrize(("fmt", "mode", "color", "options"), [
    ("PNG", "RGBA", (255, 0, 0, 0), {}),
    ("PNG", "P", 0, {"transparency": 0}),
    ("WEBP", "RGBA", (255, 0, 0, 0), {"lossless": True}),
], ids=["png-rgba", "png-palette", "webp-rgba"])
def test_transparency_of_png_and_webp_is_kept(creative, fmt, mode, color, options):
    data = image_bytes(fmt, (1600, 1600), mode=mode, color=color, **options)
    image = portfolio_image_add(creative=creative, file=upload(data, name="a.png"))
    for stored in map(opened, all_files(image)):
        assert stored.mode == "RGBA"
        assert stored.getpixel((10, 10))[3] == 0


# --- refused, leaving nothing stored ---------------------------------------------------------

def test_text_file_named_jpg_is_refused(creative, media):
    assert_refused(creative, media, b"Dear programmer,\nplease look at my work.\n", NOT_AN_IMAGE)


def test_empty_file_is_refused(creative, media):
    assert_refused(creative, media, b"", NOT_AN_IMAGE)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_is_refused(creative, media, fmt):
    data = noise_bytes(fmt)
    assert_refused(creative, media, data[: len(data) * 2 // 3], DAMAGED)


def test_truncated_images_are_never_loaded_leniently():
    """Pillow would fill a truncated image with grey instead of refusing it."""
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_file_over_15_mb_is_refused_before_it_is_decoded(creative, media, monkeypatch):
    def decode(*args, **kwargs):
        raise AssertionError("a file over the size limit was handed to Pillow")

    monkeypatch.setattr(Image, "open", decode)
    assert_refused(creative, media, b"\xff" * (15 * 1024 * 1024 + 1), TOO_LARGE)


def test_file_over_15_mb_without_a_reported_size_is_refused(creative, media):
    assert_refused(creative, media, io.BytesIO(b"\xff" * (15 * 1024 * 1024 + 1)), TOO_LARGE)


def test_file_of_exactly_15_mb_is_not_refused_for_its_size(creative):
    # Padding after the image's end: Pillow ignores it, the size check counts it.
    data = image_bytes()
    padded = data + b"\0" * (15 * 1024 * 1024 - len(data))
    assert portfolio_image_add(creative=creative, file=upload(padded)).pk


def test_image_above_the_pixel_limit_is_refused(creative, media, monkeypatch):
    """Above MAX_IMAGE_PIXELS but below twice it, Pillow itself only warns."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    assert_refused(creative, media, image_bytes(size=(150, 100)), too_many_pixels("10,000"))


def test_image_far_above_the_pixel_limit_is_refused(creative, media, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    assert_refused(creative, media, image_bytes(size=(300, 300)), too_many_pixels("10,000"))


def test_image_at_the_pixel_limit_is_accepted(creative, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    assert portfolio_image_add(creative=creative, file=upload(image_bytes(size=(100, 100)))).pk


def test_decompression_bomb_png_claiming_huge_dimensions_is_refused(creative, media):
    limit = f"{Image.MAX_IMAGE_PIXELS:,}"
    assert_refused(creative, media, png_claiming(100_000, 100_000), too_many_pixels(limit),
                   name="a.png")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused_naming_the_accepted_ones(creative, media, fmt):
    assert_refused(creative, media, image_bytes(fmt),
                   f"{fmt} images are not accepted. Upload a JPEG, PNG or WebP image.")


def test_more_images_than_the_portfolio_limit_are_refused(creative, media, monkeypatch):
    monkeypatch.setattr(images, "PORTFOLIO_LIMIT", 2)
    for _ in range(2):
        portfolio_image_add(creative=creative, file=upload(image_bytes()))
    kept = stored_files(media)
    with pytest.raises(ValidationError) as error:
        portfolio_image_add(creative=creative, file=upload(image_bytes()))
    assert error.value.message_dict == {
        "image": ["A portfolio holds at most 2 images. Remove one before adding another."]
    }
    assert creative.portfolio_images.count() == 2
    assert stored_files(media) == kept and len(kept) == 6


def test_portfolio_limit_counts_per_creative(creative, monkeypatch):
    monkeypatch.setattr(images, "PORTFOLIO_LIMIT", 1)
    portfolio_image_add(creative=CreativeFactory(), file=upload(image_bytes()))
    assert portfolio_image_add(creative=creative, file=upload(image_bytes())).pk


def test_a_failing_save_after_the_files_are_written_leaves_no_files(creative, media,
                                                                    monkeypatch):
    def fail(self, *args, **kwargs):
        assert len(stored_files(media)) == 3  # the files are there when the row is saved
        raise DatabaseError("disk full")

    monkeypatch.setattr(PortfolioImage, "save", fail)
    with pytest.raises(DatabaseError):
        portfolio_image_add(creative=creative, file=upload(image_bytes()))
    assert not PortfolioImage.objects.exists()
    assert stored_files(media) == []


def test_too_long_caption_is_refused_before_files_are_written(creative, media):
    with pytest.raises(ValidationError) as error:
        portfolio_image_add(creative=creative, file=upload(image_bytes()), caption="x" * 301)
    assert list(error.value.message_dict) == ["caption"]
    assert stored_files(media) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_both_take_the_last_place(media, monkeypatch):
    monkeypatch.setattr(images, "PORTFOLIO_LIMIT", 1)
    creative = CreativeFactory()
    results = []

    def add():
        try:
            with translation.override("en"):
                results.append(portfolio_image_add(creative=creative, file=upload(image_bytes())))
        except ValidationError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(2)]
    with transaction.atomic():
        # Hold the creative until both uploads wait for it, so they really run at once.
        Creative.objects.select_for_update().get(pk=creative.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and waiting_on_locks() < 2:
            time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=20)

    [refused] = [result for result in results if isinstance(result, ValidationError)]
    assert refused.message_dict == {
        "image": ["A portfolio holds at most 1 image. Remove it before adding another."]
    }
    assert PortfolioImage.objects.count() == 1
    assert len(stored_files(media)) == 3


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        # Activity is read from a snapshot that lasts the transaction: drop it to see it anew.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0]


# --- remove and reorder ----------------------------------------------------------------------

def test_remove_deletes_the_row_and_its_files_once_committed(
    creative, media, django_capture_on_commit_callbacks
):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes()))
    with django_capture_on_commit_callbacks() as callbacks:
        portfolio_image_remove(image=image)
        assert not PortfolioImage.objects.exists()
        assert len(stored_files(media)) == 3  # still there until the removal is committed
    for callback in callbacks:
        callback()
    assert stored_files(media) == []


def test_remove_rolled_back_keeps_the_row_and_its_files(
    creative, media, django_capture_on_commit_callbacks
):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes()))
    pk = image.pk
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            portfolio_image_remove(image=image)
            raise RuntimeError("the surrounding work failed")
    assert PortfolioImage.objects.filter(pk=pk).exists()
    assert len(stored_files(media)) == 3


def test_image_added_after_a_removal_goes_to_the_end(creative):
    first, second = (portfolio_image_add(creative=creative, file=upload(image_bytes()))
                     for _ in range(2))
    portfolio_image_remove(image=first)
    third = portfolio_image_add(creative=creative, file=upload(image_bytes()))
    assert list(portfolio_of(creative=creative)) == [second, third]


def test_reorder_puts_the_portfolio_in_the_given_order(creative):
    a, b, c = (portfolio_image_add(creative=creative, file=upload(image_bytes()))
               for _ in range(3))
    portfolio_image_reorder(creative=creative, order=[c.pk, a.pk, b.pk])
    assert list(portfolio_of(creative=creative)) == [c, a, b]
    assert [image.position for image in portfolio_of(creative=creative)] == [0, 1, 2]


@pytest.mark.parametrize("order", ["missing", "repeated", "foreign"])
def test_reorder_not_listing_each_image_once_is_refused(creative, order):
    a, b = (portfolio_image_add(creative=creative, file=upload(image_bytes())) for _ in range(2))
    other = portfolio_image_add(creative=CreativeFactory(), file=upload(image_bytes()))
    ids = {"missing": [b.pk], "repeated": [b.pk, b.pk], "foreign": [b.pk, other.pk]}[order]
    with pytest.raises(ValidationError) as error:
        portfolio_image_reorder(creative=creative, order=ids)
    assert error.value.message_dict == {
        "order": ["The new order must list every image of this portfolio exactly once."]
    }
    assert list(portfolio_of(creative=creative)) == [a, b]


# --- selector --------------------------------------------------------------------------------

def test_portfolio_of_lists_only_that_creatives_images_in_one_query(
    creative, django_assert_num_queries
):
    mine = [portfolio_image_add(creative=creative, file=upload(image_bytes())) for _ in range(2)]
    portfolio_image_add(creative=CreativeFactory(), file=upload(image_bytes()))
    with django_assert_num_queries(1):
        assert list(portfolio_of(creative=creative)) == mine


# --- admin -----------------------------------------------------------------------------------

def test_admin_creative_page_shows_the_portfolio_thumbnails(admin_client, creative):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes()), caption="Kiln")
    response = admin_client.get(reverse("admin:chains_creative_change", args=[creative.pk]))
    assert response.status_code == 200
    assert f'<img src="{image.thumb_400.url}" alt="Kiln"' in response.text


def test_admin_saves_a_creative_with_a_portfolio_without_touching_it(admin_client, creative,
                                                                     stages):
    image = portfolio_image_add(creative=creative, file=upload(image_bytes()))
    StageMoveFactory(creative=creative, to_stage=stages[0])
    data = {
        "name": "Renamed", "kind": creative.kind, "kvk_number": "",
        "discipline": creative.discipline_id, "email": creative.email, "phone": "",
        "website": "", "bio": "", "user": "",
        "stage_moves-TOTAL_FORMS": 1, "stage_moves-INITIAL_FORMS": 1,
        "stage_moves-MIN_NUM_FORMS": 0, "stage_moves-MAX_NUM_FORMS": 1000,
        "stage_moves-0-id": creative.stage_moves.get().pk, "stage_moves-0-creative": creative.pk,
        "stage_moves-2-TOTAL_FORMS": 1, "stage_moves-2-INITIAL_FORMS": 0,
        "stage_moves-2-MIN_NUM_FORMS": 0, "stage_moves-2-MAX_NUM_FORMS": 1,
        "stage_moves-2-0-id": "", "stage_moves-2-0-creative": creative.pk,
    }
    response = admin_client.post(reverse("admin:chains_creative_change", args=[creative.pk]),
                                 data)
    assert response.status_code == 302
    creative.refresh_from_db()
    assert creative.name == "Renamed"
    assert list(portfolio_of(creative=creative)) == [image]


def test_admin_deleting_a_creative_deletes_the_portfolio_files(
    admin_client, creative, media, django_capture_on_commit_callbacks
):
    portfolio_image_add(creative=creative, file=upload(image_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:chains_creative_delete", args=[creative.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not PortfolioImage.objects.exists()
    assert stored_files(media) == []


def test_admin_deleting_selected_creatives_deletes_their_portfolio_files(
    admin_client, creative, media, django_capture_on_commit_callbacks
):
    portfolio_image_add(creative=creative, file=upload(image_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:chains_creative_changelist"), {
            "action": "delete_selected", "_selected_action": [creative.pk], "post": "yes",
        })
    assert response.status_code == 302
    assert not Creative.objects.filter(pk=creative.pk).exists()
    assert stored_files(media) == []
