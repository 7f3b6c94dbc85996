"""Tables printed with shaded bands on every other row and no rules between rows (Microsoft's
10-K, for one): pdfplumber's lines strategy sees each band as a table of one row. Bands stacked
one above the other, with the same left and right edges, are one table; its rows are the lines
of text between the region's top and bottom, its columns the cells the bands are cut into.
"""

from itertools import pairwise

from embedtune.extraction.headings import text_lines

_BAND_HEIGHT = 20.0  # points: a shaded band holds one row (two lines at most)
_EDGE = 2.0  # points: bands of one table share their left and right edges within this
_MAX_GAP = 40.0  # points between two bands of one table: the unshaded rows between them
_MIN_BANDS = 3


def join_shaded_rows(page, found: list) -> list:
    """The page's tables, with each stack of shaded one-row bands replaced by one table."""
    bands = [table for table in found if table.bbox[3] - table.bbox[1] < _BAND_HEIGHT]
    stacks = _stacks(bands)
    joined = [table for stack in stacks if len(stack) >= _MIN_BANDS for table in _table_of(page, stack)]
    in_stacks = {id(table) for stack in stacks if len(stack) >= _MIN_BANDS for table in stack}
    kept = [table for table in found if id(table) not in in_stacks]
    return sorted(kept + joined, key=lambda table: table.bbox[1])


def _stacks(bands: list) -> list[list]:
    stacks: list[list] = []
    for band in sorted(bands, key=lambda table: table.bbox[1]):
        last = stacks[-1][-1] if stacks else None
        if (last is not None and abs(last.bbox[0] - band.bbox[0]) <= _EDGE and abs(last.bbox[2] - band.bbox[2]) <= _EDGE
                and band.bbox[1] - last.bbox[3] <= _MAX_GAP):
            stacks[-1].append(band)
        else:
            stacks.append([band])
    return stacks


def _table_of(page, stack: list) -> list:
    region = (stack[0].bbox[0], stack[0].bbox[1], stack[0].bbox[2], stack[-1].bbox[3])
    crop = page.crop(region)
    columns = sorted({round(x, 1) for band in stack for cell in band.cells for x in (cell[0], cell[2])})
    settings = {
        "vertical_strategy": "explicit", "explicit_vertical_lines": columns,
        "horizontal_strategy": "explicit", "explicit_horizontal_lines": _row_lines(crop, region),
    }
    return crop.find_tables(settings)


def _row_lines(crop, region) -> list[float]:
    """Boundaries between the lines of text in the region, and its top and bottom."""
    lines = text_lines(crop.extract_words())
    between = [(max(w["bottom"] for w in above) + min(w["top"] for w in below)) / 2
               for above, below in pairwise(lines)]
    return [region[1], *between, region[3]]
