"""A streaming multipart/form-data reader: the file part goes to disk as it arrives, fields to memory.

python-multipart is not a dependency; uploads only need this much: one file part and small fields.
"""

from __future__ import annotations

import email.message
import email.utils
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request

from api.errors import ApiError

MAX_FIELD_BYTES = 64 * 1024
MAX_PART_HEADER_BYTES = 16 * 1024


def _malformed(reason: str) -> ApiError:
    message = f"malformed multipart body: {reason}"
    return ApiError(422, message, details=[{"field": "body", "message": message}])


def _header_params(name: str, value: str) -> email.message.Message:
    message = email.message.Message()
    message[name] = value
    return message


def _param(message: email.message.Message, header: str, name: str) -> str | None:
    value = message.get_param(name, header=header)
    return None if value is None else email.utils.collapse_rfc2231_value(value)


@dataclass
class Upload:
    """What a multipart body held: the file (on disk) and the other fields as text."""

    path: Path
    filename: str | None = None
    content_type: str | None = None
    received: bool = False
    fields: dict[str, list[str]] = field(default_factory=dict)


class _MultipartParser:
    """Feed it body chunks: the file part goes to disk as it comes, other parts to small buffers."""

    def __init__(self, boundary: bytes, upload: Upload, sink: IO[bytes], allowed: frozenset[str]) -> None:
        self.allowed = allowed
        self.delimiter = b"\r\n--" + boundary
        # A leading CRLF makes the first boundary look like every later one.
        self.buffer = bytearray(b"\r\n")
        self.state = "preamble"
        self.upload, self.sink = upload, sink
        self.name: str | None = None
        self.value = bytearray()

    def feed(self, chunk: bytes) -> None:
        """Consume a chunk of the body."""
        self.buffer += chunk
        while self._step():
            pass

    def close(self) -> None:
        """Check that the body ended with the closing boundary."""
        if self.state != "done":
            raise _malformed("the body ends before the closing boundary")

    def _step(self) -> bool:
        buffer = self.buffer
        if self.state in ("preamble", "data"):
            at = buffer.find(self.delimiter)
            # Keep a tail that could be the start of a delimiter split across chunks.
            end = at if at >= 0 else max(0, len(buffer) - len(self.delimiter) + 1)
            if self.state == "data":
                self._emit(bytes(buffer[:end]))
            if at < 0:
                del buffer[:end]
                return False
            del buffer[: at + len(self.delimiter)]
            if self.state == "data":
                self._finish_part()
            self.state = "boundary"
            return True
        if self.state == "boundary":
            while buffer[:1] in (b" ", b"\t"):
                del buffer[:1]
            if len(buffer) < 2:
                return False
            if buffer.startswith(b"--"):
                self.state = "done"
            elif buffer.startswith(b"\r\n"):
                del buffer[:2]
                self.state = "headers"
            else:
                raise _malformed("unexpected bytes after a boundary")
            return True
        if self.state == "headers":
            at = buffer.find(b"\r\n\r\n")
            if at < 0:
                if len(buffer) > MAX_PART_HEADER_BYTES:
                    raise _malformed("a part's headers are too long")
                return False
            self._start_part(bytes(buffer[:at]).decode("utf-8", "replace"))
            del buffer[: at + 4]
            self.state = "data"
            return True
        buffer.clear()  # done: the epilogue is ignored
        return False

    def _start_part(self, raw_headers: str) -> None:
        headers = email.message.Message()
        for line in raw_headers.split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip()] = value.strip()
        self.name = _param(headers, "content-disposition", "name")
        if not self.name:
            raise _malformed("a part has no Content-Disposition name")
        if self.name not in self.allowed:
            message = f"unknown field {self.name!r}"
            raise ApiError(422, message, details=[{"field": self.name, "message": "unknown field"}])
        if self.name == "file":
            if self.upload.received:
                raise ApiError(422, "send one file", details=[{"field": "file", "message": "more than one"}])
            self.upload.received = True
            self.upload.filename = _param(headers, "content-disposition", "filename")
            self.upload.content_type = headers.get_content_type() if "content-type" in headers else None
        self.value = bytearray()

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        if self.name == "file":
            # Small writes to the page cache: cheaper inline than a thread hop per chunk.
            self.sink.write(data)
            return
        self.value += data
        if len(self.value) > MAX_FIELD_BYTES:
            message = f"larger than {MAX_FIELD_BYTES} bytes"
            raise ApiError(
                422, f"{self.name}: {message}", details=[{"field": str(self.name), "message": message}]
            )

    def _finish_part(self) -> None:
        if self.name and self.name != "file":
            try:
                text = self.value.decode("utf-8")
            except UnicodeDecodeError:
                message = "not UTF-8 text"
                detail = {"field": self.name, "message": message}
                raise ApiError(422, f"{self.name}: {message}", details=[detail]) from None
            self.upload.fields.setdefault(self.name, []).append(text)
        self.name = None


async def receive_upload(
    request: Request, directory: Path, max_bytes: int, allowed: frozenset[str]
) -> Upload:
    """Stream a multipart body: the file part into directory, the other fields into memory."""
    content_type = _header_params("content-type", request.headers.get("content-type", ""))
    boundary = _param(content_type, "content-type", "boundary")
    if not boundary:
        raise _malformed("no boundary in the Content-Type header")
    upload = Upload(path=directory / "upload")
    size = 0
    with upload.path.open("wb") as sink:
        parser = _MultipartParser(boundary.encode("latin-1"), upload, sink, allowed)
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise ApiError(413, f"Upload exceeds {max_bytes} bytes")
            parser.feed(chunk)
        parser.close()
    return upload
