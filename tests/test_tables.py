"""Table cells as pdfplumber reads them from typeset financial tables, cleaned for readers."""

from embedtune.extraction.tables import clean_rows
from embedtune.markdown import to_markdown


def test_merged_cells_and_currency_signs_line_up_with_their_columns():
    # Rows as pdfplumber reads NVIDIA's FY2023 10-K: "$" in a cell of its own, and None for
    # the columns a value's cell spans in rows without a sign.
    raw = [
        ["Compute & Networking", "$", "15,068", "", "$", "11,046", "", "36", "%"],
        ["Graphics", "11,906", None, "", "15,868", None, "", "(25)", "%"],
    ]
    assert clean_rows(raw) == [
        ["Compute & Networking", "$15,068", "$11,046", "36%"],
        ["Graphics", "11,906", "15,868", "(25)%"],
    ]


def test_one_row_or_one_column_is_not_a_table():
    assert clean_rows([["Total", "$", "60"]]) == []
    assert clean_rows([["Revenue"], ["Cost of revenue"]]) == []
    assert clean_rows([["", None], ["", ""]]) == []


def test_markdown_escapes_pipes_in_cells():
    assert to_markdown([["Term", "Meaning"], ["A|B", "either"]]) == (
        "| Term | Meaning |\n| --- | --- |\n| A\\|B | either |"
    )
