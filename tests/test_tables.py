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
    assert clean_rows(raw) == ([
        ["Compute & Networking", "$15,068", "$11,046", "36%"],
        ["Graphics", "11,906", "15,868", "(25)%"],
    ], [0, 2, 5, 7])


def test_a_label_printed_a_line_above_its_amounts_is_one_row():
    # Microsoft's FY2023 income statement sets "Research and development" a line above its amounts.
    raw = [
        ["Gross margin", "146,052", "135,620"],
        ["Research and development", "", ""],
        ["", "27,195", "24,512"],
        ["Earnings per share:", "", ""],
        ["Basic", "$9.72", "$9.70"],
    ]
    rows, _ = clean_rows(raw)
    assert rows == [
        ["Gross margin", "146,052", "135,620"],
        ["Research and development", "27,195", "24,512"],
        ["Earnings per share:", "", ""],
        ["Basic", "$9.72", "$9.70"],
    ]


def test_one_row_or_one_column_is_not_a_table():
    assert clean_rows([["Total", "$", "60"]]) == ([], [])
    assert clean_rows([["Revenue"], ["Cost of revenue"]]) == ([], [])
    assert clean_rows([["", None], ["", ""]]) == ([], [])


def test_markdown_escapes_pipes_in_cells():
    assert to_markdown([["Term", "Meaning"], ["A|B", "either"]]) == (
        "| Term | Meaning |\n| --- | --- |\n| A\\|B | either |"
    )
