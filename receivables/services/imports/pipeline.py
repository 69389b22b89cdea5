"""Turning an import file's rows into parsed values, chunk by chunk; for large files in a second process."""

from __future__ import annotations

import queue
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from receivables.files.tables import Column, Row, TableError, read_rows
from receivables.services.imports.context import Lookups, Parsed, RowRejected

RowParser = Callable[[Lookups, dict[str, Any]], dict[str, Any]]
# What an importer makes of a chunk's good rows before its writer takes them (runs beside the parser).
Batcher = Callable[[Parsed], Any]
# Below this size a second process costs more than it saves.
PARALLEL_FROM_BYTES = 4 << 20
_QUEUED_CHUNKS = 4


@dataclass(frozen=True, slots=True)
class ParsedChunk:
    """One chunk of rows: how many were read, the good ones, and the rejected ones."""

    rows: int
    good: Any  # the good rows as values (Parsed), or what the importer's batcher made of them
    rejected: list[tuple[int, str, str, str]]  # row, column, value, reason


@dataclass(frozen=True, slots=True)
class _Failure:
    message: str


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def parse_chunks(rows: Iterable[Row], parse: RowParser, lookups: Lookups, size: int,
                 batch: Batcher | None = None) -> Iterator[ParsedChunk]:
    """Parse rows in this process; a bad row becomes a rejection, never an exception."""
    for chunk in _chunks(rows, size):
        good: Parsed = []
        rejected: list[tuple[int, str, str, str]] = []
        for row in chunk:
            try:
                good.append((row.number, parse(lookups, row.cells)))
            except RowRejected as error:
                rejected.append((row.number, error.column, "" if error.value is None else str(error.value),
                                 error.reason))
        yield ParsedChunk(len(chunk), good if batch is None else batch(good), rejected)


def _packed(chunk: ParsedChunk, batched: bool) -> tuple[Any, ...]:
    """A chunk to send between processes; parsed values go as tuples, a third cheaper than dicts."""
    if batched:
        return chunk.rows, None, chunk.good, chunk.rejected
    keys = tuple(chunk.good[0][1]) if chunk.good else ()
    return chunk.rows, keys, [(n, tuple(v.values())) for n, v in chunk.good], chunk.rejected


def _unpacked(packed: tuple[Any, ...]) -> ParsedChunk:
    rows, keys, good, rejected = packed
    if keys is None:
        return ParsedChunk(rows, good, rejected)
    return ParsedChunk(rows, [(n, dict(zip(keys, values))) for n, values in good], rejected)


def _parse_into(channel: Any, path: Path, columns: Sequence[Column], parse: RowParser, lookups: Lookups,
                size: int, batch: Batcher | None) -> None:
    try:
        for chunk in parse_chunks(read_rows(path, columns), parse, lookups, size, batch):
            channel.put(_packed(chunk, batch is not None))
        channel.put(None)
    except UnicodeDecodeError as exc:
        channel.put(_Failure(f"{path}: cannot decode the text ({exc.reason}); save it as UTF-8 or GBK"))
    except Exception as exc:  # reported in the parent as one line; the parent rolls back
        channel.put(_Failure(f"{path}: {exc}"))


def parse_file(path: Path, columns: Sequence[Column], parse: RowParser, lookups: Lookups,
               size: int, batch: Batcher | None = None) -> Iterator[ParsedChunk]:
    """Parsed (and batched) chunks of a file: in a forked reader process for large files (parsing and
    writing then run on two cores), in this process otherwise. Raises TableError for an unreadable file."""
    rows = read_rows(path, columns)  # reads the header now, so a missing column is reported up front
    if sys.platform != "linux" or path.stat().st_size < PARALLEL_FROM_BYTES:
        yield from parse_chunks(rows, parse, lookups, size, batch)
        return
    close = getattr(rows, "close", None)
    if close is not None:
        close()
    import multiprocessing  # here, not at module level: only large files need it, and the CLI starts faster

    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=_QUEUED_CHUNKS)
    reader = context.Process(target=_parse_into, args=(channel, path, columns, parse, lookups, size, batch), daemon=True)
    reader.start()
    try:
        while True:
            try:
                item = channel.get(timeout=1.0)
            except queue.Empty:
                if not reader.is_alive():
                    raise TableError(f"{path}: the reader process stopped unexpectedly") from None
                continue
            if item is None:
                return
            if isinstance(item, _Failure):
                raise TableError(item.message)
            yield _unpacked(item)
    finally:
        if reader.is_alive():
            reader.terminate()
        reader.join()
