"""Reading an imported CSV file: UTF-8 text, a header row, records with their line numbers.

This module owns two things:

- **Refusing what is not a CSV file**, before anything is written: an empty file, binary data
  (a spreadsheet, an image, UTF-16 text saved under a ``.csv`` name), JSON, text that is not
  UTF-8 (the error names the byte, its offset and its line), a header with a blank or repeated
  column name. Each is an :class:`ImportRefused`. A UTF-8 byte-order mark is fine.
- **Line numbers**: a record is numbered by the physical line its first cell is on, counting the
  header as line 1, so a quoted cell spanning several lines does not shift the numbers of the
  records after it.

The file is streamed, never held in memory, and read once per pass (the importer checks, then
writes), so the stream must be seekable. Records that the CSV reader cannot split (a quote that
is never closed, text after a closing quote) are yielded as a reason instead of cells.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from typing import BinaryIO

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (codecs.BOM_UTF16_LE, "UTF-16 text"),
    (codecs.BOM_UTF16_BE, "UTF-16 text"),
)
_SAVE_AS = "save it as “CSV UTF-8” and import that"
_SNIFF_BYTES = 8192


class ImportRefused(Exception):
    """The file cannot be imported at all (not CSV, not UTF-8, no usable header): exit 2."""


Record = tuple[int, list[str] | str]
"""A record's line number and its cells, or the reason it could not be read."""


class CsvSource:
    """A seekable binary stream read as comma-separated UTF-8 records."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._sniff()

    def header(self) -> list[str]:
        """The first record's cells (trimmed); refused when it is empty or malformed."""
        reader = csv.reader(self._lines(), strict=True)
        try:
            cells = next(reader)
        except StopIteration:
            raise ImportRefused("the file is empty: a header row is required") from None
        except csv.Error as error:
            raise ImportRefused(f"line 1: the header row is not valid CSV ({error})") from None
        names = [cell.strip() for cell in cells]
        if not any(names):
            raise ImportRefused("line 1 is empty: a header row naming the columns is required")
        return names

    def records(self) -> Iterator[Record]:
        """Every record after the header, from the start of the file, with its line number."""
        reader = csv.reader(self._lines(), strict=True)
        next(reader, None)
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield line, _malformed(str(error))
                continue
            yield line, cells

    def _sniff(self) -> None:
        self._stream.seek(0)
        head = self._stream.read(_SNIFF_BYTES)
        if not head:
            raise ImportRefused("the file is empty: a header row is required")
        for signature, what in _SIGNATURES:
            if head.startswith(signature):
                raise ImportRefused(f"not a CSV file: it is {what}; {_SAVE_AS}")
        if b"\x00" in head:
            raise ImportRefused(f"not a CSV file: it contains binary data; {_SAVE_AS}")
        if head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"["):
            raise ImportRefused("not a CSV file: it looks like JSON")

    def _lines(self) -> Iterator[str]:
        """The file's physical lines, decoded, each with its line ending (as ``newline=''``)."""
        self._stream.seek(0)
        offset = 0
        for number, raw in enumerate(self._stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
                offset = len(codecs.BOM_UTF8)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = raw[error.start]
                raise ImportRefused(
                    f"not UTF-8 text: byte 0x{byte:02X} at byte offset {offset + error.start} "
                    f"(line {number}); the file is in another encoding, {_SAVE_AS}"
                ) from None
            offset += len(raw)


def _malformed(error: str) -> str:
    if "unexpected end of data" in error:
        return "malformed CSV: a quoted cell is never closed (it runs to the end of the file)"
    if "expected after" in error:
        return 'malformed CSV: text after a closing quote (write a quote inside a cell as "")'
    return f"malformed CSV: {error}"
