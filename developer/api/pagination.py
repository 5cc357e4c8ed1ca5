"""Keyset cursor pagination: `?ordering=-issue_date&cursor=...`, forward only, no COUNT(*), no OFFSET.

Each page is `ORDER BY <field>, id LIMIT page_size + 1` with the position of the last row of the
previous page as a `WHERE (field, id) < (value, id)` condition, so a page costs the same at row 50
and at row 900,000, and rows inserted meanwhile never shift or repeat what the client already read.
The cursor is opaque to clients (base64 of the ordering and the position); a cursor made for another
ordering is refused. Views declare `ordering_fields = {"public name": "model field"}` and
`default_ordering`; this class is the one `?ordering=` handler (docs/decisions/0007-one-ordering-handler.md).
"""

import base64
from datetime import date
from decimal import Decimal

import orjson
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetPagination:
    page_size = 50
    max_page_size = 200
    cursor_param = "cursor"
    ordering_param = "ordering"
    page_size_param = "page_size"

    def __init__(self, view):
        self.view = view
        self.fields = getattr(view, "ordering_fields", {"id": "id"})
        self.default = getattr(view, "default_ordering", "-id")
        self.nullable = getattr(view, "nullable_ordering", {})

    # -- request parameters ---------------------------------------------------------------------

    def ordering(self, request) -> tuple[str, str, bool]:
        """(public ordering as given, model field, descending)."""
        raw = request.query_params.get(self.ordering_param) or self.default
        descending = raw.startswith("-")
        name = raw.lstrip("-")
        if name not in self.fields:
            allowed = ", ".join(sorted(self.fields))
            raise ValidationError(
                {self.ordering_param: [f"Unknown ordering {raw!r}; use one of {allowed} (prefix - for descending)."]}
            )
        return raw, self.fields[name], descending

    def size(self, request) -> int:
        raw = request.query_params.get(self.page_size_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({self.page_size_param: ["Give a whole number."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_param: [f"Give a number from 1 to {self.max_page_size}."]})
        return size

    def decode(self, request, ordering: str):
        raw = request.query_params.get(self.cursor_param)
        if not raw:
            return None
        try:
            data = orjson.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            assert isinstance(data, dict) and isinstance(data["i"], int)
            position = (data["o"], data["v"], data["i"])
        except Exception:  # noqa: BLE001 - anything unreadable is the same client error
            raise ValidationError({self.cursor_param: ["This cursor is not valid; start again without it."]}) from None
        if position[0] != ordering:
            raise ValidationError({self.cursor_param: ["This cursor was made for another ordering."]})
        return position

    @staticmethod
    def encode(ordering: str, value, row_id: int) -> str:
        if isinstance(value, (date, Decimal)):
            value = str(value) if isinstance(value, Decimal) else value.isoformat()
        data = orjson.dumps({"o": ordering, "v": value, "i": row_id})
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    # -- the page -------------------------------------------------------------------------------

    def paginate(self, queryset, request) -> tuple[list, str | None]:
        """Rows of this page (dicts or objects) and the next page's cursor (None on the last page)."""
        ordering, field, descending = self.ordering(request)
        size = self.size(request)
        sort_key = field
        if field in self.nullable:
            sentinel = self.nullable[field]
            model_field = queryset.model._meta.get_field(field)
            queryset = queryset.annotate(_sort=Coalesce(F(field), Value(sentinel), output_field=model_field))
            sort_key = "_sort"
        position = self.decode(request, ordering)
        if position is not None:
            value = self._parse_value(queryset.model, field, position[1])
            op = "lt" if descending else "gt"
            queryset = queryset.filter(
                Q(**{f"{sort_key}__{op}": value}) | Q(**{sort_key: value, f"id__{op}": position[2]})
            )
        prefix = "-" if descending else ""
        rows = list(queryset.order_by(f"{prefix}{sort_key}", f"{prefix}id")[: size + 1])
        if len(rows) <= size:
            return rows, None
        rows = rows[:size]
        last = rows[-1]
        get = last.get if isinstance(last, dict) else lambda name: getattr(last, name)
        # Rows from .values() must include the ordering field (and "id"); annotations come along.
        return rows, self.encode(ordering, get(sort_key), get("id"))

    @staticmethod
    def _parse_value(model, field: str, value):
        model_field = model._meta.get_field(field)
        try:
            return model_field.to_python(value)
        except Exception:  # noqa: BLE001
            raise ValidationError({"cursor": ["This cursor is not valid; start again without it."]}) from None

    def response(self, request, results, next_cursor) -> Response:
        url = request.build_absolute_uri()
        next_url = replace_query_param(url, self.cursor_param, next_cursor) if next_cursor else None
        return Response({"next": next_url, "next_cursor": next_cursor, "results": results})


def page_size_parameter(maximum: int = KeysetPagination.max_page_size, default: int = KeysetPagination.page_size):
    """The documented `page_size` query parameter, with its bounds in the schema (as the paginator enforces them)."""
    from drf_spectacular.utils import OpenApiParameter

    return OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        description=f"Items per page: 1 to {maximum}, default {default}.",
    )
