"""Metadata inside images and documents: read it for the audit, and strip it from images before they are published.

A photo taken on a phone carries where it was taken (EXIF GPS) and often the
owner's name; a PNG exported from an editor carries text chunks; a PDF or an
office document carries its author. None of that shows on the page, and all of
it is published when the file is copied byte for byte. So:

* `strip_metadata` removes everything but the picture from JPEG, PNG, GIF and
  WebP files (an allow-list of the parts a browser needs to draw it), without
  decoding or re-encoding the image, so nothing is lost in quality;
* `metadata_fields` reads the fields of those formats, of PDF (the document
  information dictionary and XMP) and of zipped office documents (OOXML and
  OpenDocument properties), each with the name of its field, for the audit and
  for `coachbook check`;
* `extra_text` is what the audit adds to a file's text so that a name inside a
  field (UTF-16 in EXIF, compressed in PNG or PDF, zipped in a `.docx`) is found.

Everything here is pure and works on bytes; a file it cannot parse is left as
it is and read for what can be read. There is no dependency beyond the
standard library.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path, PurePath

from coachbook.core.files import list_tree, write_bytes_atomic

__all__ = [
    "IMAGE_SUFFIXES",
    "METADATA_SUFFIXES",
    "PERSONAL",
    "document_warnings",
    "extra_text",
    "metadata_fields",
    "personal_fields",
    "strip_metadata",
    "strip_site_images",
]

#: Images whose metadata `strip_metadata` removes.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".gif", ".webp"})
_TIFF_SUFFIXES = frozenset({".tif", ".tiff"})
_PDF_SUFFIXES = frozenset({".pdf"})
_ZIP_SUFFIXES = frozenset(
    {".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".odt", ".ods", ".odp", ".odg", ".epub", ".zip"}
)
#: Files whose metadata fields are read.
METADATA_SUFFIXES = IMAGE_SUFFIXES | _TIFF_SUFFIXES | _PDF_SUFFIXES | _ZIP_SUFFIXES
#: The most of a file's decompressed parts (PDF streams, zip members, PNG text) that is read.
_MAX_INFLATED = 20_000_000
#: Fields that say nothing about a person: the software that made a file, and its dates and ids.
_TECHNICAL = re.compile(
    r"^PDF Creator$"  # the application that made the PDF; XMP's dc:creator is its author, and is personal
    r"|(?:^|[ :])(?:Producer|Creator ?Tool|CreationDate|ModDate|CreateDate|ModifyDate|MetadataDate|DocumentID"
    r"|InstanceID|OriginalDocumentID|format|Software|Application|AppVersion|DocSecurity|ScaleCrop|LinksUpToDate"
    r"|SharedDoc|HyperlinksChanged|TotalTime|Pages|Words|Characters|CharactersWithSpaces|Lines|Paragraphs"
    r"|Template|Version|PDFVersion|Trapped|generator|editing-cycles|editing-duration|document-statistic)$",
    re.IGNORECASE,
)
#: Field names that mark personal metadata in `coachbook check` (everything not technical).
PERSONAL = "every field but the producing software, dates, ids and counts"


# --------------------------------------------------------------------------- reading


def metadata_fields(name: str, raw: bytes) -> list[tuple[str, str]]:
    """The metadata fields of a file, as (field, text) pairs, such as `("EXIF Artist", "Dana Whitfield")`.

    Location data is reported as `("EXIF GPS", "<latitude, longitude>")`.
    Unknown formats, and files that cannot be parsed, give what could be read.
    """
    suffix = _suffix(name)
    try:
        if suffix in (".jpg", ".jpeg", ".jpe", ".jfif"):
            return list(_jpeg_fields(raw))
        if suffix in (".png", ".apng"):
            return list(_png_fields(raw))
        if suffix == ".gif":
            return list(_gif_fields(raw))
        if suffix == ".webp":
            return list(_webp_fields(raw))
        if suffix in _TIFF_SUFFIXES:
            return list(_exif_fields(raw))
        if suffix in _PDF_SUFFIXES:
            return list(_pdf_fields(raw))
        if suffix in _ZIP_SUFFIXES:
            return list(_zip_fields(raw))
    except (struct.error, IndexError, ValueError, zlib.error, zipfile.BadZipFile, OSError, RecursionError):
        return []
    return []


def personal_fields(name: str, raw: bytes) -> list[tuple[str, str]]:
    """The fields of `metadata_fields` that can say something about a person: not software, dates or ids."""
    return [(field, text) for field, text in metadata_fields(name, raw) if not _TECHNICAL.search(field) and text]


def extra_text(name: str, raw: bytes) -> str:
    """Text a file holds that its bytes do not show as UTF-8: its metadata fields, and a zip's or PDF's parts."""
    suffix = _suffix(name)
    if suffix not in METADATA_SUFFIXES:
        return ""
    parts = [text for _, text in metadata_fields(name, raw)]
    try:
        if suffix in _ZIP_SUFFIXES:
            parts += _zip_members(raw)
        elif suffix in _PDF_SUFFIXES:
            parts += _pdf_strings(raw)
    except (zipfile.BadZipFile, OSError, ValueError, zlib.error, RecursionError):
        pass
    return " ".join(parts)


def _suffix(name: str) -> str:
    last = name.rsplit("/", 1)[-1].lower()
    return "." + last.rsplit(".", 1)[-1] if "." in last else ""


# --------------------------------------------------------------------------- JPEG


_JPEG_KEEP_APP = {0xE0: (b"JFIF\x00",), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}


def _jpeg_segments(raw: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of every segment of a JPEG, entropy-coded data included as marker 0."""
    if raw[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    yield 0xD8, 0, 2
    pos = 2
    size = len(raw)
    while pos < size:
        if raw[pos] != 0xFF:
            raise ValueError("JPEG marker expected")
        # Fill bytes before a marker.
        while pos + 1 < size and raw[pos + 1] == 0xFF:
            pos += 1
        marker = raw[pos + 1]
        if marker == 0xD9:
            yield marker, pos, pos + 2
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            yield marker, pos, pos + 2
            pos += 2
            continue
        (length,) = struct.unpack(">H", raw[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > size:
            raise ValueError("JPEG segment runs past the end")
        yield marker, pos, end
        pos = end
        if marker == 0xDA:
            # Entropy-coded data runs to the next marker that is not a stuffed byte or a restart marker.
            scan = pos
            while True:
                scan = raw.find(b"\xff", scan)
                if scan < 0 or scan + 1 >= size:
                    raise ValueError("JPEG scan runs past the end")
                following = raw[scan + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    scan += 1 if following == 0xFF else 2
                    continue
                break
            yield 0, pos, scan
            pos = scan


def _jpeg_keeps(marker: int, payload: bytes) -> bool:
    if marker == 0xFE or 0xE0 <= marker <= 0xEF:
        return any(payload.startswith(prefix) for prefix in _JPEG_KEEP_APP.get(marker, ()))
    return True


def _strip_jpeg(raw: bytes) -> bytes:
    out = bytearray()
    for marker, start, end in _jpeg_segments(raw):
        if _jpeg_keeps(marker, raw[start + 4 : end]):
            out += raw[start:end]
    return bytes(out)


def _jpeg_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    for marker, start, end in _jpeg_segments(raw):
        payload = raw[start + 4 : end]
        if marker == 0xFE:
            yield "JPEG comment", _text(payload)
        elif marker == 0xE1 and payload.startswith(b"Exif\x00"):
            yield from _exif_fields(payload[6:])
        elif marker == 0xE1 and b"ns.adobe.com/xap" in payload[:64]:
            yield from _xml_fields("XMP", _text(payload[payload.find(b"\x00") + 1 :]))
        elif marker == 0xED:
            yield from _iptc_fields(payload)
        elif 0xE0 <= marker <= 0xEF and not _jpeg_keeps(marker, payload):
            # Another application segment (FlashPix, MPF, Ducky...): its printable text, unnamed.
            text = _printable(payload)
            if text:
                yield f"JPEG APP{marker - 0xE0}", text


# --------------------------------------------------------------------------- EXIF (TIFF)

_EXIF_TAGS = {
    0x010D: "DocumentName", 0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x0131: "Software",
    0x0132: "DateTime", 0x013B: "Artist", 0x013C: "HostComputer", 0x8298: "Copyright", 0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized", 0x9286: "UserComment", 0x9C9B: "XPTitle", 0x9C9C: "XPComment",
    0x9C9D: "XPAuthor", 0x9C9E: "XPKeywords", 0x9C9F: "XPSubject", 0xA420: "ImageUniqueID",
    0xA430: "CameraOwnerName", 0xA431: "BodySerialNumber", 0xA435: "LensSerialNumber",
}  # fmt: skip
_EXIF_POINTERS = {0x8769: "Exif", 0xA005: "Interop"}
_GPS_POINTER = 0x8825
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}


def _exif_fields(tiff: bytes) -> Iterator[tuple[str, str]]:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return
    (first,) = struct.unpack(order + "I", tiff[4:8])
    seen: set[int] = set()
    queue = [(first, "")]
    while queue and len(seen) < 16:
        offset, kind = queue.pop(0)
        if offset in seen or offset + 2 > len(tiff):
            continue
        seen.add(offset)
        (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
        for index in range(min(count, 512)):
            entry = offset + 2 + 12 * index
            if entry + 12 > len(tiff):
                break
            tag, kind_of_value, number = struct.unpack(order + "HHI", tiff[entry : entry + 8])
            size = _TYPE_SIZES.get(kind_of_value, 1) * number
            at = entry + 8 if size <= 4 else struct.unpack(order + "I", tiff[entry + 8 : entry + 12])[0]
            value = tiff[at : at + min(size, 65536)]
            if tag in _EXIF_POINTERS or tag == _GPS_POINTER:
                (pointer,) = struct.unpack(order + "I", tiff[entry + 8 : entry + 12])
                if tag == _GPS_POINTER:
                    yield "EXIF GPS", _gps_text(tiff, order, pointer)
                else:
                    queue.append((pointer, _EXIF_POINTERS[tag]))
                continue
            name = _EXIF_TAGS.get(tag)
            if name is not None and name.startswith("XP"):
                yield f"EXIF {name}", value.decode("utf-16-le", errors="ignore").rstrip("\x00")
            elif name == "UserComment":
                yield f"EXIF {name}", _user_comment(value)
            elif kind_of_value == 2:
                yield f"EXIF {name or f'tag 0x{tag:04X}'}", _text(value).rstrip("\x00")
        # The next IFD (the thumbnail's) follows the entries.
        end = offset + 2 + 12 * count
        if kind == "" and end + 4 <= len(tiff):
            (following,) = struct.unpack(order + "I", tiff[end : end + 4])
            if following:
                queue.append((following, ""))


def _gps_text(tiff: bytes, order: str, offset: int) -> str:
    """'latitude, longitude' from a GPS IFD when it can be read, else `present`."""
    try:
        (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
        values: dict[int, tuple[float, ...] | str] = {}
        for index in range(min(count, 64)):
            entry = offset + 2 + 12 * index
            tag, kind, number = struct.unpack(order + "HHI", tiff[entry : entry + 8])
            if kind == 2 and number <= 4:
                values[tag] = tiff[entry + 8 : entry + 8 + number].rstrip(b"\x00").decode("ascii", "ignore")
            elif kind == 5 and number == 3:
                (at,) = struct.unpack(order + "I", tiff[entry + 8 : entry + 12])
                parts = struct.unpack(order + "6I", tiff[at : at + 24])
                values[tag] = tuple(parts[i] / parts[i + 1] if parts[i + 1] else 0.0 for i in (0, 2, 4))
        lat, lon = values.get(2), values.get(4)
        if isinstance(lat, tuple) and isinstance(lon, tuple):
            south = -1 if values.get(1) == "S" else 1
            west = -1 if values.get(3) == "W" else 1
            latitude = south * (lat[0] + lat[1] / 60 + lat[2] / 3600)
            longitude = west * (lon[0] + lon[1] / 60 + lon[2] / 3600)
            return f"{latitude:.5f}, {longitude:.5f}"
    except (struct.error, IndexError):
        pass
    return "present"


def _user_comment(value: bytes) -> str:
    code, text = value[:8], value[8:]
    if code.startswith(b"UNICODE"):
        encoding = "utf-16-be" if text[:1] == b"\x00" else "utf-16-le"
        return text.decode(encoding, errors="ignore").rstrip("\x00 ")
    return _text(text).rstrip("\x00 ")


def _iptc_fields(payload: bytes) -> Iterator[tuple[str, str]]:
    """IPTC-IIM datasets inside a Photoshop APP13 segment: record 2 holds the by-line, caption and keywords."""
    names = {5: "ObjectName", 25: "Keywords", 80: "By-line", 85: "By-lineTitle", 90: "City", 95: "Province-State",
             101: "Country", 105: "Headline", 110: "Credit", 115: "Source", 116: "CopyrightNotice", 120: "Caption",
             122: "Writer"}  # fmt: skip
    pos = payload.find(b"\x1c\x02")
    while 0 <= pos < len(payload) - 5:
        record, dataset = payload[pos + 1], payload[pos + 2]
        (length,) = struct.unpack(">H", payload[pos + 3 : pos + 5])
        value = payload[pos + 5 : pos + 5 + (length & 0x7FFF)]
        if record == 2 and dataset != 0:
            yield f"IPTC {names.get(dataset, f'2:{dataset}')}", _text(value)
        pos = payload.find(b"\x1c", pos + 5 + (length & 0x7FFF))


# --------------------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Chunks a browser needs to draw a PNG or an animated PNG; everything else (tEXt, zTXt, iTXt, eXIf, tIME,
#: private chunks) is left out.
_PNG_KEEP = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs",
     b"hIST", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCv", b"cLLi"}
)  # fmt: skip


def _png_chunks(raw: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, start, end) of each chunk, the whole chunk with its length and CRC."""
    if not raw.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind = raw[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(raw):
            raise ValueError("PNG chunk runs past the end")
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end
    raise ValueError("PNG without IEND")


def _strip_png(raw: bytes) -> bytes:
    out = bytearray(_PNG_SIGNATURE)
    for kind, start, end in _png_chunks(raw):
        if kind in _PNG_KEEP:
            out += raw[start:end]
    return bytes(out)


def _png_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    for kind, start, end in _png_chunks(raw):
        data = raw[start + 8 : end - 4]
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\x00")
            yield f"PNG text {_text(keyword)}", text.decode("latin-1")
        elif kind == b"zTXt":
            keyword, _, rest = data.partition(b"\x00")
            yield f"PNG text {_text(keyword)}", _inflate(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            keyword, _, rest = data.partition(b"\x00")
            compressed = rest[:1] == b"\x01"
            _, _, rest = rest[2:].partition(b"\x00")  # language tag
            _, _, text = rest.partition(b"\x00")  # translated keyword
            value = _text(_inflate(text) if compressed else text)
            label = _text(keyword)
            if label == "XML:com.adobe.xmp":
                yield from _xml_fields("XMP", value)
            else:
                yield f"PNG text {label}", value
        elif kind == b"eXIf":
            yield from _exif_fields(data)
        elif kind not in _PNG_KEEP:
            printable = _printable(data)
            if printable:
                yield f"PNG chunk {_text(kind)}", printable


# --------------------------------------------------------------------------- GIF


def _gif_blocks(raw: bytes) -> Iterator[tuple[str, int, int, bytes]]:
    """(kind, start, end, data) of each block: `head`, `image`, `comment`, `app`, `ext` or `trailer`."""
    if raw[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF")
    flags = raw[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    yield "head", 0, pos, b""
    while pos < len(raw):
        introducer = raw[pos]
        if introducer == 0x3B:
            yield "trailer", pos, pos + 1, b""
            return
        if introducer == 0x2C:
            image_flags = raw[pos + 9]
            end = pos + 10 + (3 * 2 ** ((image_flags & 7) + 1) if image_flags & 0x80 else 0) + 1
            end, data = _sub_blocks(raw, end)
            yield "image", pos, end, data
        elif introducer == 0x21:
            label = raw[pos + 1]
            end, data = _sub_blocks(raw, pos + 2)
            kind = {0xFE: "comment", 0xFF: "app"}.get(label, "ext")
            yield kind, pos, end, data
        else:
            raise ValueError("unknown GIF block")
        pos = end
    raise ValueError("GIF without trailer")


def _sub_blocks(raw: bytes, pos: int) -> tuple[int, bytes]:
    data = bytearray()
    while True:
        size = raw[pos]
        if size == 0:
            return pos + 1, bytes(data)
        data += raw[pos + 1 : pos + 1 + size]
        pos += 1 + size
        if pos > len(raw):
            raise ValueError("GIF block runs past the end")


def _gif_keeps(kind: str, data: bytes) -> bool:
    # The looping extension is the only application block a browser reads.
    return kind not in ("comment", "app") or (kind == "app" and data[:11] in (b"NETSCAPE2.0", b"ANIMEXTS1.0"))


def _strip_gif(raw: bytes) -> bytes:
    return b"".join(raw[start:end] for kind, start, end, data in _gif_blocks(raw) if _gif_keeps(kind, data))


def _gif_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    for kind, _, _, data in _gif_blocks(raw):
        if kind == "comment":
            yield "GIF comment", _text(data)
        elif kind == "app" and not _gif_keeps(kind, data):
            if data.startswith(b"XMP DataXMP"):
                yield from _xml_fields("XMP", _text(data[11:]))
            else:
                yield f"GIF application {_text(data[:8])}", _printable(data[11:])


# --------------------------------------------------------------------------- WebP

_WEBP_KEEP = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})


def _webp_chunks(raw: bytes) -> Iterator[tuple[bytes, int, int]]:
    if raw[:4] != b"RIFF" or raw[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    pos = 12
    while pos + 8 <= len(raw):
        kind = raw[pos : pos + 4]
        (length,) = struct.unpack("<I", raw[pos + 4 : pos + 8])
        end = pos + 8 + length + (length & 1)
        if pos + 8 + length > len(raw):
            raise ValueError("WebP chunk runs past the end")
        yield kind, pos, min(end, len(raw))
        pos = end


def _strip_webp(raw: bytes) -> bytes:
    body = bytearray()
    for kind, start, end in _webp_chunks(raw):
        if kind not in _WEBP_KEEP:
            continue
        chunk = bytearray(raw[start:end])
        if kind == b"VP8X":
            # The flags must no longer announce the EXIF (0x08) and XMP (0x04) chunks that are left out.
            chunk[8] &= ~0x0C & 0xFF
        body += chunk
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + bytes(body)


def _webp_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    for kind, start, end in _webp_chunks(raw):
        data = raw[start + 8 : end]
        if kind == b"EXIF":
            yield from _exif_fields(data[6:] if data.startswith(b"Exif\x00\x00") else data)
        elif kind == b"XMP ":
            yield from _xml_fields("XMP", _text(data))
        elif kind not in _WEBP_KEEP:
            text = _printable(data)
            if text:
                yield f"WebP chunk {_text(kind).strip()}", text


# --------------------------------------------------------------------------- PDF

_PDF_INFO = re.compile(
    rb"/(Title|Author|Subject|Keywords|Creator|Producer|Company|Manager|SourceModified|CreationDate|ModDate)"
    rb"\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)",
    re.DOTALL,
)
_PDF_STREAM = re.compile(rb"stream\r?\n")
_PDF_LITERAL = re.compile(rb"\((?:\\.|[^\\()])*\)", re.DOTALL)
_PDF_HEX = re.compile(rb"<([0-9A-Fa-f\s]{4,})>")
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_PDF_ESCAPE = re.compile(rb"\\([nrtbf()\\]|[0-7]{1,3}|\r?\n)")


def _pdf_parts(raw: bytes) -> list[bytes]:
    """The file, and the inflated content of each of its Flate streams (bounded)."""
    parts = [raw]
    total = 0
    for match in _PDF_STREAM.finditer(raw):
        end = raw.find(b"endstream", match.end())
        if end < 0:
            break
        with_data = raw[match.end() : end]
        try:
            inflated = zlib.decompressobj().decompress(with_data, _MAX_INFLATED - total)
        except zlib.error:
            continue
        total += len(inflated)
        parts.append(inflated)
        if total >= _MAX_INFLATED:
            break
    return parts


def _pdf_escape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if escaped[:1] in (b"\r", b"\n"):
        return b""  # a backslash at the end of a line continues the string
    if escaped[:1].isdigit():
        return bytes([int(escaped, 8) & 0xFF])
    return _PDF_ESCAPES.get(escaped, escaped)


def _pdf_string(token: bytes) -> str:
    """A PDF string token, `(literal)` or `<hex>`, as text (UTF-16 when it starts with a byte order mark)."""
    if token.startswith(b"<"):
        digits = re.sub(rb"\s", b"", token[1:-1])
        data = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    else:
        data = _PDF_ESCAPE.sub(_pdf_escape, token[1:-1])
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="ignore")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="ignore")
    return data.decode("latin-1")


def _pdf_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    for part in _pdf_parts(raw):
        for match in _PDF_INFO.finditer(part):
            yield f"PDF {match.group(1).decode()}", _pdf_string(match.group(2))
        start = part.find(b"<x:xmpmeta")
        if start >= 0:
            yield from _xml_fields("XMP", _text(part[start : part.find(b"</x:xmpmeta>", start) + 12]))


def _pdf_strings(raw: bytes) -> list[str]:
    """Every string of the PDF, decoded (text drawn with simple fonts, UTF-16 titles, form fields)."""
    out = []
    for part in [*_pdf_parts(raw)[1:], raw]:
        out += [_pdf_string(m.group(0)) for m in _PDF_LITERAL.finditer(part)]
        out += [_pdf_string(b"<" + m.group(1) + b">") for m in _PDF_HEX.finditer(part)]
    return out


# --------------------------------------------------------------------------- zipped documents

_PROPERTY_PARTS = ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml", "meta.xml")


def _zip_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        names = set(archive.namelist())
        for part in _PROPERTY_PARTS:
            if part in names:
                yield from _xml_fields(part.rsplit("/", 1)[-1], _read_member(archive, part, _MAX_INFLATED))
        for name in names:
            if name.endswith(".opf"):  # an EPUB's package document holds its Dublin Core metadata
                yield from _xml_fields(name, _read_member(archive, name, _MAX_INFLATED))


def _zip_members(raw: bytes) -> list[str]:
    """The text of every member of a zip (a .docx's body, a spreadsheet's cells), bounded in total."""
    out: list[str] = []
    budget = _MAX_INFLATED
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        for info in archive.infolist():
            if budget <= 0 or info.is_dir():
                break
            text = _read_member(archive, info.filename, budget)
            budget -= len(text)
            # Word splits running text into runs (<w:t>); dropping its tags keeps a name in one piece.
            out.append(re.sub(r"</?w:(?:t|r|rPr|proofErr)\b[^>]*>|<w:[a-zA-Z]+/>", "", text))
    return out


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> str:
    with archive.open(name) as stream:
        return stream.read(max(0, limit)).decode("utf-8", errors="ignore")


# --------------------------------------------------------------------------- XML properties (XMP, OOXML, ODF)

_XML_ELEMENT = re.compile(r"<([A-Za-z][\w.-]*:[\w.-]+|[A-Z][\w.-]*)\b[^>]*>([^<]+)</\1>")
_XML_ATTRIBUTE = re.compile(r"\s([A-Za-z][\w.-]*:[\w.-]+)=\"([^\"]*)\"")
_XML_IGNORED_ATTRIBUTES = re.compile(r"^(?:xmlns|xml|rdf|x|xsi):")


def _xml_fields(prefix: str, xml: str) -> Iterator[tuple[str, str]]:
    """Elements with text, and namespaced attributes, of a small XML document (XMP or document properties)."""
    for match in _XML_ELEMENT.finditer(xml):
        text = match.group(2).strip()
        if text:
            yield f"{prefix} {match.group(1)}", _unescape_xml(text)
    for match in _XML_ATTRIBUTE.finditer(xml):
        if not _XML_IGNORED_ATTRIBUTES.match(match.group(1)) and match.group(2).strip():
            yield f"{prefix} {match.group(1)}", _unescape_xml(match.group(2))


def _unescape_xml(text: str) -> str:
    return html.unescape(text)


# --------------------------------------------------------------------------- helpers


def _inflate(data: bytes) -> bytes:
    return zlib.decompressobj().decompress(data, _MAX_INFLATED)


def _text(data: bytes) -> str:
    """Bytes as text: UTF-8 when they are, else Latin-1 (EXIF and PNG text predate UTF-8)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _printable(data: bytes) -> str:
    """The runs of four or more printable characters in binary data, the way `strings` finds them."""
    return " ".join(m.decode("latin-1") for m in re.findall(rb"[\x20-\x7e\xa0-\xff]{4,}", data[:65536]))


# --------------------------------------------------------------------------- stripping


def strip_metadata(name: str, raw: bytes) -> bytes | None:
    """The image without its metadata, or None when `name` is not an image this module strips.

    The picture's own bytes are kept as they are (no decoding, no loss). An
    image that cannot be parsed is returned unchanged: the audit still reads
    it, and fails the site if it finds what it must not publish.
    """
    suffix = _suffix(name)
    strip = {
        ".jpg": _strip_jpeg, ".jpeg": _strip_jpeg, ".jpe": _strip_jpeg, ".jfif": _strip_jpeg,
        ".png": _strip_png, ".apng": _strip_png, ".gif": _strip_gif, ".webp": _strip_webp,
    }.get(suffix)  # fmt: skip
    if strip is None:
        return None
    try:
        return strip(raw)
    except (struct.error, IndexError, ValueError):
        return raw


def strip_site_images(site_dir: Path) -> list[str]:
    """Strip the metadata of every image in a built site, in place; the paths (relative) of those changed.

    Each changed image is written atomically, as a new file: a hardlinked
    theme asset is replaced, never changed under the other sites that share it.
    """
    changed = []
    for parts, status in list_tree(site_dir):
        if status is None or PurePath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        path = site_dir.joinpath(*parts)
        raw = path.read_bytes()
        stripped = strip_metadata(path.name, raw)
        if stripped is not None and stripped != raw:
            write_bytes_atomic(path, stripped, mode=status.st_mode & 0o777)
            changed.append("/".join(parts))
    return changed


def document_warnings(folder: Path, shown: Callable[[Path], Path]) -> list[str]:
    """A warning for each personal metadata field of the documents in `folder` that are published as they are.

    Images are stripped when a site is built; PDFs, office documents and TIFF
    files are not, so their author, title or keywords go out with them. Each
    warning names the file, the field and its value, and says how to remove it.
    """
    warnings = []
    for parts, status in list_tree(folder):
        suffix = PurePath(parts[-1]).suffix.lower()
        if status is None or suffix not in METADATA_SUFFIXES or suffix in IMAGE_SUFFIXES:
            continue
        path = folder.joinpath(*parts)
        for field, text in personal_fields(path.name, path.read_bytes()):
            warnings.append(
                f"{shown(path)}: {field} is {text.strip()[:80]!r}, published with the file to every site; "
                "clear it in the document's properties (or export it again without them)"
            )
    return warnings
