"""A multipart/form-data upload read as it streams: the file part to disk, the small fields to memory.

python-multipart parses; this module decides what a part may be (a known field, one file, a field of
bounded size in UTF-8) and where its bytes go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.errors import ApiError

MAX_FIELD_BYTES = 64 * 1024


def _malformed(reason: str) -> ApiError:
    message = f"malformed multipart body: {reason}"
    return ApiError(422, message, details=[{"field": "body", "message": message}])


def _text(value: bytes) -> str:
    # Header values arrive as bytes; browsers send UTF-8 file names as they are (RFC 7578).
    return value.decode("utf-8", "replace")


@dataclass
class Upload:
    """What a multipart body held: the file (on disk) and the other fields as text."""

    path: Path
    filename: str | None = None
    content_type: str | None = None
    received: bool = False
    fields: dict[str, list[str]] = field(default_factory=dict)


class UploadParser:
    """Feed it body chunks: the file part goes to disk as it comes, other parts to small buffers."""

    def __init__(self, boundary: bytes, upload: Upload, sink: IO[bytes], allowed: frozenset[str]) -> None:
        self.upload, self.sink, self.allowed = upload, sink, allowed
        self.name: str | None = None
        self.value = bytearray()
        self.headers: dict[str, bytes] = {}
        self.header_name, self.header_value = bytearray(), bytearray()
        self.ended = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_name,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        """Consume a chunk of the body."""
        try:
            self.parser.write(chunk)
        except MultipartParseError as exc:
            raise _malformed(str(exc)) from None

    def close(self) -> None:
        """Check that the body ended with the closing boundary."""
        if not self.ended:
            raise _malformed("the body ends before the closing boundary")

    def _part_begin(self) -> None:
        self.headers = {}
        self.value = bytearray()

    def _header_name(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self.header_name.decode("latin-1").strip().lower()] = bytes(self.header_value).strip()
        self.header_name, self.header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        disposition = parse_options_header(self.headers.get("content-disposition", b"").decode("latin-1"))
        name = disposition[1].get(b"name")
        if not name:
            raise _malformed("a part has no Content-Disposition name")
        self.name = _text(name)
        if self.name not in self.allowed:
            message = f"unknown field {self.name!r}"
            raise ApiError(422, message, details=[{"field": self.name, "message": "unknown field"}])
        if self.name == "file":
            if self.upload.received:
                raise ApiError(422, "send one file", details=[{"field": "file", "message": "more than one"}])
            self.upload.received = True
            filename = disposition[1].get(b"filename")
            self.upload.filename = None if filename is None else _text(filename)
            content_type = self.headers.get("content-type")
            self.upload.content_type = (
                parse_options_header(_text(content_type))[0].decode() if content_type else None
            )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.name == "file":
            # Small writes to the page cache: cheaper inline than a thread hop per chunk.
            self.sink.write(memoryview(data)[start:end])
            return
        self.value += data[start:end]
        if len(self.value) > MAX_FIELD_BYTES:
            message = f"larger than {MAX_FIELD_BYTES} bytes"
            raise ApiError(
                422, f"{self.name}: {message}", details=[{"field": str(self.name), "message": message}]
            )

    def _part_end(self) -> None:
        if self.name and self.name != "file":
            try:
                text = self.value.decode("utf-8")
            except UnicodeDecodeError:
                message = "not UTF-8 text"
                raise ApiError(
                    422, f"{self.name}: {message}", details=[{"field": self.name, "message": message}]
                ) from None
            self.upload.fields.setdefault(self.name, []).append(text)
        self.name = None

    def _end(self) -> None:
        self.ended = True


async def receive_upload(
    request: Request, directory: Path, max_bytes: int, allowed: frozenset[str]
) -> Upload:
    """Stream a multipart body: the file part into directory, the other fields into memory."""
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise _malformed("no boundary in the Content-Type header")
    upload = Upload(path=directory / "upload")
    size = 0
    with upload.path.open("wb") as sink:
        parser = UploadParser(boundary, upload, sink, allowed)
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise ApiError(413, f"Upload exceeds {max_bytes} bytes")
            parser.feed(chunk)
        parser.close()
    return upload
