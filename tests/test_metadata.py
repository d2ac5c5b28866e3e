"""Metadata in images and documents: stripped from images without touching the picture, read with field names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath

import pytest

from coachbook.audit.metadata import (
    document_warnings,
    metadata_fields,
    personal_fields,
    strip_metadata,
    strip_site_images,
)

from . import hostile_files

IMAGES: dict[str, Callable[[], bytes]] = {
    "photo.jpg": lambda: hostile_files.jpeg(comment="Kwame at the offsite"),
    "progressive.jpeg": lambda: hostile_files.jpeg(progressive=True),
    "chart.png": lambda: hostile_files.png(),
    "compressed.png": lambda: hostile_files.png(compressed=True),
    "anim.gif": hostile_files.gif,
    "photo.webp": hostile_files.webp,
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_stripping_keeps_the_picture_and_drops_every_field(name: str) -> None:
    original = IMAGES[name]()
    assert any("Kwame Asante" in text for _, text in metadata_fields(name, original))
    stripped = strip_metadata(name, original)
    assert stripped is not None and stripped != original
    assert hostile_files.pixels(stripped) == hostile_files.pixels(original)
    assert metadata_fields(name, stripped) == []
    assert b"Kwame" not in stripped and b"Exif" not in stripped
    # Stripping twice changes nothing more.
    assert strip_metadata(name, stripped) == stripped


def test_fields_are_named_and_the_location_is_read() -> None:
    fields = dict(metadata_fields("photo.jpg", hostile_files.jpeg(comment="at the offsite")))
    assert fields["EXIF Artist"] == "Kwame Asante"
    assert fields["XMP dc:creator"] == "Kwame Asante"
    assert fields["JPEG comment"] == "at the offsite"
    assert fields["EXIF GPS"] == "55.95250, -3.18861"


def test_data_after_the_image_is_dropped() -> None:
    original = hostile_files.png(text="nothing")
    stripped = strip_metadata("a.png", original + b"Kwame Asante's notes")
    assert stripped is not None and stripped.endswith(b"IEND\xaeB`\x82")


@pytest.mark.parametrize("name", ["a.jpg", "a.png", "a.gif", "a.webp"])
def test_a_file_that_is_not_what_it_says_is_left_as_it_is(name: str) -> None:
    assert strip_metadata(name, b"not an image at all") == b"not an image at all"
    assert metadata_fields(name, b"not an image at all") == []


def test_only_images_are_stripped() -> None:
    assert strip_metadata("form.pdf", hostile_files.pdf()) is None


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("form.pdf", hostile_files.pdf(), "PDF Author"),
        ("form.pdf", hostile_files.pdf(utf16=True), "PDF Author"),
        ("form.pdf", hostile_files.pdf(compressed_info=True), "PDF Author"),
        ("notes.docx", hostile_files.docx(), "core.xml dc:creator"),
    ],
)
def test_documents_have_their_personal_fields_read(name: str, data: bytes, field: str) -> None:
    personal = dict(personal_fields(name, data))
    assert personal[field] == "Kwame Asante"
    # The software that made the file says nothing about a person.
    assert "PDF Producer" not in personal


def test_check_warns_about_documents_and_not_about_images(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "intake.pdf").write_bytes(hostile_files.pdf(author="Amara Okafor"))
    (tmp_path / "assets" / "photo.jpg").write_bytes(hostile_files.jpeg())
    warnings = document_warnings(tmp_path, lambda path: path.relative_to(tmp_path))
    assert any(w.startswith("assets/intake.pdf: PDF Author is 'Amara Okafor'") for w in warnings), warnings
    assert not any("photo.jpg" in w for w in warnings)


def test_a_built_sites_images_are_replaced_not_changed_in_place(tmp_path: Path) -> None:
    """A hardlinked theme asset must not change under the other sites that share it."""
    shared = tmp_path / "store.jpg"
    shared.write_bytes(hostile_files.jpeg())
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "photo.jpg").hardlink_to(shared)
    (site / "assets" / "plain.png").write_bytes(strip_metadata("p.png", hostile_files.png()) or b"")
    assert strip_site_images(site) == ["assets/photo.jpg"]
    assert shared.read_bytes() == hostile_files.jpeg()
    assert b"Exif" not in (site / "assets" / "photo.jpg").read_bytes()


def test_every_image_of_a_site_is_stripped_in_path_order_and_no_link_is_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(hostile_files.jpeg())
    site = tmp_path / "site"
    for name in ("b/Photo.JPG", "a/deep/er/photo.webp", "a-b/anim.gif", "a/chart.png", "notes.jpg.txt"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(IMAGES.get(PurePath(name).name.lower(), hostile_files.jpeg)())
    (site / "linked.jpg").symlink_to(outside)
    (site / "a" / "folder-link").symlink_to(tmp_path)
    changed = strip_site_images(site)
    assert changed == ["a/chart.png", "a/deep/er/photo.webp", "a-b/anim.gif", "b/Photo.JPG"]
    assert changed == sorted(changed, key=lambda name: PurePath(name).parts)
    # What a link points to is never read or written: it is the audit's to report.
    assert outside.read_bytes() == hostile_files.jpeg()
    assert (site / "notes.jpg.txt").read_bytes() == hostile_files.jpeg()
