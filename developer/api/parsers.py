"""JSON request bodies read by orjson: fast on bulk bodies, and a nesting limit that answers 400.

The standard library's parser recurses once per `[` or `{`: a body of 100,000 brackets raised
RecursionError, a 500. orjson stops at 1,024 levels with a decode error, which becomes a 400 here.
"""

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 1024  # orjson's own limit


class OrjsonParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read() if stream is not None else b""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if "depth limit" in str(exc) or "recursion" in str(exc).lower():
                raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.") from None
            raise ParseError(f"JSON parse error - {exc}") from None
