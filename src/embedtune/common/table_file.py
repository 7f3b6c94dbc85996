"""Tables as people save them: CSV (also `;`- or tab-separated, as spreadsheets write it in many
locales, and Excel's "Unicode text" .txt), JSONL and Parquet. Text is read as UTF-8, as the
encoding its byte-order mark names (UTF-8, UTF-16, UTF-32), as UTF-16 without one, or as
Windows-1252; a file that is none of these (a binary file, a spreadsheet's .xlsx renamed)
is refused with one line naming the file and what is wrong with it."""

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from embedtune.common.errors import StageError

DELIMITED = (".csv", ".tsv", ".txt")
SUFFIXES = (*DELIMITED, ".jsonl", ".parquet")
SEPARATORS = (",", ";", "\t")
# Longest first: UTF-32's little-endian mark begins with UTF-16's.
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Text has no control characters but tab and line ends; a decoding that yields them read a binary file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class TableFile:
    table: pd.DataFrame
    encoding: str | None = None  # of a text file
    separator: str | None = None  # of a delimited text file

    def read_as(self) -> dict:
        return {key: value for key, value in (("encoding", self.encoding), ("separator", self.separator)) if value}


def read_table(path: Path, setting: str) -> TableFile:
    """The table of a CSV, TSV, JSONL or Parquet file named by `setting` in params.yaml."""
    stage = setting.split(".")[0]
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise StageError(f"{stage}: {path}: {setting} takes {', '.join(SUFFIXES)} files")
    if not path.exists():
        raise StageError(f"{stage}: {path} not found ({setting} in params.yaml)")
    try:
        if suffix == ".parquet":
            return TableFile(pd.read_parquet(path))
        text, encoding = decode(path.read_bytes(), f"{stage}: {path}")
        if suffix == ".jsonl":
            return TableFile(pd.read_json(io.StringIO(text), lines=True), encoding)
        separator = sniff_separator(text)
        return TableFile(pd.read_csv(io.StringIO(text), sep=separator), encoding, separator)
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StageError(f"{stage}: {path} could not be read as a {suffix[1:].upper()} file: {reason}") from None


def decode(data: bytes, what: str) -> tuple[str, str]:
    """(text, encoding) of a text file's bytes; a StageError naming `what` when they are not text."""
    marked = [encoding for mark, encoding in BYTE_ORDER_MARKS if data.startswith(mark)][:1]
    for encoding in marked or ["utf-8", *_unmarked_utf16(data), "windows-1252"]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            return text, encoding
    raise StageError(f"{what} is not a text file in UTF-8, UTF-16 or Windows-1252 ({_what_is_wrong(data, marked)}); "
                     "save it from your spreadsheet as CSV UTF-8")


def sniff_separator(text: str) -> str:
    """The separator that splits the header line into the most columns, quoted names aside; a comma
    where none does."""
    header = re.sub(r'"[^"]*"', "", next((line for line in text.splitlines() if line.strip()), ""))
    counts = {separator: header.count(separator) for separator in SEPARATORS}
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _unmarked_utf16(data: bytes) -> list[str]:
    """UTF-16 without a byte-order mark, told by its zero bytes: ASCII text in UTF-16 has a zero
    byte in every other place."""
    sample = data[:4096]
    if len(sample) < 4:
        return []
    odd, even = sample[1::2].count(0) / (len(sample) // 2), sample[0::2].count(0) / ((len(sample) + 1) // 2)
    if odd > 0.3 and even < 0.05:
        return ["utf-16-le"]
    if even > 0.3 and odd < 0.05:
        return ["utf-16-be"]
    return []


def _what_is_wrong(data: bytes, marked: list[str]) -> str:
    if marked:
        return f"it starts with the byte-order mark of {marked[0].upper()}, but is not valid {marked[0].upper()}"
    control = _CONTROL.search(data.decode("latin-1"))
    if control:
        return f"byte 0x{ord(control.group()):02x} at offset {control.start()} is a control character, not text"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"byte 0x{data[error.start]:02x} at offset {error.start} is neither UTF-8 nor Windows-1252"
    return "it does not decode"
