"""The API's JSON parser: DRF's, after a cheap check of the body's shape.

Python's json module recurses once per level of nesting (1,000 levels of `[[[…]]]` end in a RecursionError) and
builds every element of an array before a serializer can refuse it (800,000 of them cost seconds). So before
decoding, the parser looks at the structure alone, with C-speed bytes operations only: it counts the characters
that start or separate values, then cuts out the string literals and measures how deep the brackets nest.
"""

import io
import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
MAX_VALUES = 10_000

STRING_LITERAL = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")
NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")


def check_json_shape(body: bytes) -> None:
    """Refuse a body with more than MAX_VALUES values or nested more than MAX_DEPTH levels deep."""
    # An upper bound on the values, counting separators inside strings too: no real request comes close.
    values = body.count(b",") + body.count(b"[") + body.count(b"{") + body.count(b'"') // 2
    if values > MAX_VALUES:
        raise ParseError(f"The JSON body is too big: more than {MAX_VALUES:,} values.")
    brackets = STRING_LITERAL.sub(b"", body).translate(None, NOT_BRACKET)
    for _ in range(MAX_DEPTH):  # each pass removes one level, the innermost pairs
        inner = INNERMOST_PAIR.sub(b"", brackets)
        if inner == brackets:
            break
        brackets = inner
    if brackets:
        raise ParseError(f"The JSON body is nested more than {MAX_DEPTH} levels deep, or its brackets do not match.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # DRF hands a JSON parser the whole body, already read within DATA_UPLOAD_MAX_MEMORY_SIZE.
        body = stream.read()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            check_json_shape(body.decode(encoding).encode())  # the scan reads UTF-8, whatever the charset
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        return super().parse(io.BytesIO(body), media_type, parser_context)
