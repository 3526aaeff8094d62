"""Article search, accent- and case-insensitive, with the same results on both backends.

SQLite searches its FTS5 index (``articles_fts``, tokenizer ``unicode61 remove_diacritics 2``).
PostgreSQL's own parsers split words differently (``to_tsvector`` keeps ``exemple.fr`` or
``3.5`` whole and hyphenated words twice; ``unaccent`` turns ``œ`` into ``oe``), so the same
query would find other articles. Instead, PostgreSQL stores each article's words as FTS5 would
index them, in three arrays (``search_topic``: topics and title, ``search_author``: authors,
``search_any``: everything) with GIN indexes, and a search is an array containment. Both the
stored words and the query words come from ``words``: SQLite's own tokenizer, run on an
in-memory FTS5 table, so the two backends split and fold every text identically.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from storage.connection import Dialect

SearchKind = Literal["topic", "author", "any"]
MAX_WORDS = 12  # words per criterion
_FTS_COLUMNS: dict[str, str] = {"topic": "{topics title}", "author": "authors", "any": ""}
_PG_COLUMNS: dict[str, str] = {
    "topic": "search_topic",
    "author": "search_author",
    "any": "search_any",
}
TOKENIZER = "unicode61 remove_diacritics 2"  # the one of migration 0001's articles_fts


class _Tokenizer:
    """SQLite's FTS5 tokenizer on one in-memory table (one text at a time, under a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        self._memory.execute(f"CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = '{TOKENIZER}')")
        self._memory.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')")

    def words(self, text: str) -> list[str]:
        if not text:
            return []
        with self._lock:
            self._memory.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
            try:
                rows = self._memory.execute("SELECT term FROM v ORDER BY offset").fetchall()
            finally:
                self._memory.execute("DELETE FROM t")
        return [str(row[0]) for row in rows]


_TOKENIZER = _Tokenizer()


def words(text: str) -> list[str]:
    """The words of ``text`` as the search index holds them: split, lowercased, accents folded
    (``"L'Élysée, 3.5 %"`` -> ``["l", "elysee", "3", "5"]``)."""
    return _TOKENIZER.words(text)


def joined(values: Iterable[str]) -> str:
    """A list of authors or topics as one indexed text (as ``articles_fts``'s triggers)."""
    return " ; ".join(values)


def search_columns(
    title: str, summary: str, authors: Sequence[str], topics: Sequence[str]
) -> tuple[list[str], list[str], list[str]]:
    """PostgreSQL's ``search_topic``, ``search_author`` and ``search_any`` of an article."""
    title_words, summary_words = words(title), words(summary)
    author_words, topic_words = words(joined(authors)), words(joined(topics))

    def distinct(*parts: list[str]) -> list[str]:
        return sorted({word for part in parts for word in part})

    return (
        distinct(topic_words, title_words),
        distinct(author_words),
        distinct(title_words, summary_words, author_words, topic_words),
    )


def fts_query(text: str, kind: SearchKind) -> str | None:
    """A safe FTS5 query: every word quoted (AND), optionally limited to some columns."""
    found = words(text)[:MAX_WORDS]
    if not found:
        return None
    body = " ".join(f'"{word}"' for word in found)
    column = _FTS_COLUMNS[kind]
    return f"{column} : ({body})" if column else body


_ORDER = " ORDER BY coalesce(a.published_at, a.created_at) DESC, a.id DESC LIMIT ?"


def search_sql(
    dialect: Dialect, criteria: Sequence[tuple[SearchKind, str | None]], limit: int
) -> tuple[str, list[Any]] | None:
    """The query finding the articles that match every criterion, newest first; None when no
    criterion has a word."""
    if dialect.is_postgresql:
        wanted: dict[str, set[str]] = {}
        for kind, text in criteria:
            found = words(text or "")[:MAX_WORDS]
            if found:
                wanted.setdefault(_PG_COLUMNS[kind], set()).update(found)
        if not wanted:
            return None
        where = " AND ".join(f"a.{column} @> ?::text[]" for column in wanted)
        params: list[Any] = [sorted(values) for values in wanted.values()]
        return f"SELECT a.* FROM articles a WHERE {where}{_ORDER}", [*params, limit]
    parts = [match for kind, text in criteria if text and (match := fts_query(text, kind))]
    if not parts:
        return None
    return (
        "SELECT a.* FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
        f" WHERE articles_fts MATCH ?{_ORDER}",
        [" AND ".join(f"({part})" for part in parts), limit],
    )
