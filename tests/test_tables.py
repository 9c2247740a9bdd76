"""Tables shown by the lessons (course_utils.tables): Markdown and plain text agree."""

from __future__ import annotations

import pytest

from course_utils.tables import Table, show_table

ROWS = [["VGG16", 138357544, "90.1%"], ["Xception", 22910480, "94.5%"]]
HEADERS = ["model", "parameters", "top-5 accuracy"]


def test_markdown_has_a_header_an_alignment_row_and_one_line_per_row():
    lines = Table(ROWS, HEADERS).to_markdown().splitlines()
    assert lines[0] == "| model | parameters | top-5 accuracy |"
    assert lines[1] == "|:---|---:|---:|"
    assert lines[2] == "| VGG16 | 138357544 | 90.1% |"
    assert len(lines) == 2 + len(ROWS)


def test_plain_text_is_aligned_and_is_the_repr():
    table = Table(ROWS, HEADERS)
    lines = str(table).splitlines()
    assert repr(table) == str(table) == table.to_text()
    assert len({line.index("|") for line in lines if "|" in line}) == 1, "columns not aligned"
    assert lines[2].endswith("90.1%") and lines[3].startswith("Xception |")
    assert table._repr_markdown_() == table.to_markdown()


def test_pipes_and_newlines_cannot_break_the_markdown():
    markdown = Table([["a|b", "two\nlines"]], ["x", "y"]).to_markdown()
    assert "a\\|b" in markdown and "two lines" in markdown
    assert len(markdown.splitlines()) == 3


def test_explicit_alignment_and_text_columns():
    table = Table([["1", "x"]], ["n", "name"], align=["left", "right"])
    assert table.to_markdown().splitlines()[1] == "|:---|---:|"
    assert Table([["1 s", "n/a"], ["2 s", "3"]], ["t", "v"]).alignments() == ["right", "left"]


@pytest.mark.parametrize(
    ("rows", "headers", "align", "message"),
    [
        ([["a", "b"]], ["only"], None, "Row 1 has 2 cells for 1 headers"),
        (["ab"], ["x", "y"], None, "Row 1 has 1 cells"),
        ([["a"]], [], None, "at least one header"),
        ([["a"]], ["x"], ["centre"], "align needs one of"),
    ],
)
def test_wrong_shapes_are_refused_with_a_message(rows, headers, align, message):
    with pytest.raises(ValueError, match=message):
        Table(rows, headers, align)


def test_show_table_prints_plain_text_outside_a_notebook(capsys):
    assert show_table(ROWS, HEADERS) is None
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("model") and "Xception" in out
