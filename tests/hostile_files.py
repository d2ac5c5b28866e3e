"""Images and documents that carry metadata, made the way cameras and editors make them, for the audit's tests.

Images are written by Pillow (a test dependency only: Coachbook strips metadata without it), so they are real
files that real decoders read; PDFs and office documents are written by hand, small but well formed.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from PIL import ExifTags, Image, PngImagePlugin

#: Somewhere in Edinburgh, in degrees, minutes and seconds.
GPS = {1: "N", 2: (55.0, 57.0, 9.0), 3: "W", 4: (3.0, 11.0, 19.0)}


def _picture() -> Image.Image:
    image = Image.new("RGB", (16, 12), (40, 90, 160))
    image.paste((230, 200, 40), (4, 3, 12, 9))
    return image


def _exif(artist: str) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = artist
    exif[ExifTags.Base.Make] = "Phone"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def jpeg(artist: str = "Kwame Asante", comment: str = "", progressive: bool = False) -> bytes:
    """A JPEG with EXIF (the artist and a GPS position), an XMP packet naming the creator, and a comment."""
    out = io.BytesIO()
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
        f"{artist}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    _picture().save(
        out,
        "JPEG",
        exif=_exif(artist),
        xmp=xmp.encode(),
        comment=comment.encode() if comment else b"",
        quality=90,
        progressive=progressive,
    )
    return out.getvalue()


def png(key: str = "Author", text: str = "Kwame Asante", *, compressed: bool = False) -> bytes:
    """A PNG with a text chunk (`zTXt` when compressed, so the name is not in the file's bytes) and EXIF."""
    info = PngImagePlugin.PngInfo()
    info.add_text(key, text, zip=compressed)
    out = io.BytesIO()
    _picture().save(out, "PNG", pnginfo=info, exif=_exif(text))
    return out.getvalue()


def gif(comment: str = "Kwame Asante") -> bytes:
    out = io.BytesIO()
    _picture().convert("P").save(out, "GIF", comment=comment.encode())
    return out.getvalue()


def webp(artist: str = "Kwame Asante") -> bytes:
    out = io.BytesIO()
    _picture().save(out, "WEBP", exif=_exif(artist), lossless=True)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    """The decoded pixels of an image, to show stripping left the picture alone."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def pdf(author: str = "Kwame Asante", *, utf16: bool = False, compressed_info: bool = False) -> bytes:
    """A one-page PDF whose document information names its author (in UTF-16 hex, or inside a Flate stream)."""
    value = (
        b"<FEFF" + author.encode("utf-16-be").hex().upper().encode() + b">"
        if utf16
        else b"(" + author.encode("latin-1") + b")"
    )
    info = b"<< /Title (Intake form) /Author " + value + b" /Producer (Writer) >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    if compressed_info:
        # PDF 1.5 object streams hold dictionaries compressed: the author is not in the file's bytes.
        packed = zlib.compress(b"4 0 " + info)
        objects.append(b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed))
        objects[-1] += packed + b"\nendstream"
    else:
        objects.append(info)
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def docx(creator: str = "Kwame Asante", body: str = "Notes from the offsite") -> bytes:
    """A Word document whose properties name its author; Word splits the body's text into runs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "docProps/core.xml",
            '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"
            "</cp:coreProperties>",
        )
        half = len(body) // 2
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>'
            f"{body[:half]}</w:t></w:r><w:r><w:t>{body[half:]}</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()
