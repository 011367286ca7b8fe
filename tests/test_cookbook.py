"""Every query of docs/queries.md runs against a built warehouse and returns rows, so the
cookbook cannot drift from the warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

COOKBOOK = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
BLOCK = re.compile(r"^## (?P<title>.+?)\n.*?^```sql\n(?P<sql>.*?)^```", re.M | re.S)


def cookbook_queries() -> list[tuple[str, str]]:
    return [(m["title"], m["sql"]) for m in BLOCK.finditer(COOKBOOK.read_text())]


def test_cookbook_has_a_dozen_questions() -> None:
    titles = [title for title, _ in cookbook_queries()]
    assert len(titles) >= 12
    assert len(set(titles)) == len(titles)


@pytest.fixture(scope="module")
def con(built: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(built["warehouse"]), read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("title", "sql"), cookbook_queries(), ids=[t.split(".")[0] for t, _ in cookbook_queries()]
)
def test_cookbook_query_returns_rows(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> None:
    rows = con.execute(sql).fetchall()
    assert len(rows) > 0, title
