"""The results file's shape: its prefix and key columns, the early check of OUTPUT, fitted tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.enrich_output import OutputError, check_writable, children_path, key_column, output_prefix


def test_the_prefix_never_collides_with_an_input_column() -> None:
    assert output_prefix(["Company", "Website"]) == "dex_"
    assert output_prefix(["DEX_score", "Website"]) == "dex1_"
    assert output_prefix(["dex_a", "dex1_b", "dex2"]) == "dex2_"


def test_the_key_is_input_row_unless_the_input_has_one() -> None:
    assert key_column(["Company"], "dex_") == "input_row"
    assert key_column(["Input_Row", "Company"], "dex_") == "dex_input_row"


def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path: Path) -> None:
    check_writable(tmp_path / "out.csv")
    assert not list(tmp_path.iterdir()), "the check leaves nothing behind"
    a_file = tmp_path / "plain"
    a_file.write_text("x")
    (tmp_path / "taken.csv").mkdir()
    (tmp_path / "kids.children.csv").mkdir()
    cases = [
        (tmp_path / "out.txt", "must be .csv or .parquet"),
        (tmp_path / "missing" / "out.csv", "no such directory"),
        (a_file / "out.csv", "no such directory"),
        (tmp_path / "taken.csv", "is a directory"),
        (tmp_path / "kids.csv", "is a directory"),
        (Path("/proc/dex-results.csv"), "cannot write /proc/dex-results.csv"),
    ]
    for out, message in cases:
        with pytest.raises(OutputError, match=message.replace(".", r"\.")):
            check_writable(out)
    assert children_path(tmp_path / "r.parquet").name == "r.children.parquet"
