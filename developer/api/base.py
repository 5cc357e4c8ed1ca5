"""The base classes every `/api/v1/` endpoint subclasses (see developer/api/README.md).

They bring, in this order: Bearer key authentication, the scope check, the per-key throttle, the
Idempotency-Key claim on POST, problem+json errors and orjson rendering. Endpoints add
`required_scopes`, their queryset through `scoped()` (organization scoping), and their serializers.
"""

from rest_framework import generics, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.views import APIView

from developer.api import idempotency
from developer.api.authentication import BearerKeyAuthentication
from developer.api.oauth_authentication import OAuthTokenAuthentication
from developer.api.pagination import KeysetPagination
from developer.api.parsers import OrjsonParser
from developer.api.permissions import HasScope
from developer.api.query_params import refuse_unknown
from developer.api.renderers import OrjsonRenderer
from developer.api.throttling import KeyRateThrottle


class ApiMixin:
    """Authentication, scopes, throttling, idempotency and error shape shared by every endpoint."""

    # An OAuth access token (acorn_at_…) or an API key (<prefix>.<secret>): the same principal either way.
    authentication_classes = [OAuthTokenAuthentication, BearerKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    renderer_classes = [OrjsonRenderer]
    parser_classes = [OrjsonParser, MultiPartParser, FormParser]
    # Largest request body accepted (developer/api/limits.py); None: ACORN_API_MAX_BODY_BYTES.
    max_body_bytes = None
    # {"GET": "chargebacks:read"} or by viewset action {"list": ..., "transition": ...}.
    required_scopes: dict[str, str] = {}
    # Idempotency-Key is honoured on POST unless a view opts out (none should).
    idempotent_posts = True
    # GET actions that answer 400 to a query parameter their OpenAPI description does not list.
    strict_query_actions: tuple[str, ...] = ("list",)

    # -- who is calling -------------------------------------------------------------------------

    @property
    def api_key(self):
        return self.request.api_key

    @property
    def organization_id(self) -> int:
        return self.request.api_key.organization_id

    def scoped(self, queryset):
        """`queryset` limited to the key's organization: the only way an endpoint may read rows."""
        return queryset.visible_to(self.request.user)

    # -- idempotency ----------------------------------------------------------------------------

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, scopes, throttle
        refuse_unknown(self, request)
        if self.idempotent_posts:
            request.idempotency_record = idempotency.claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        try:
            return super().handle_exception(exc)
        except Exception:
            # An uncaught error (a 500): free the Idempotency-Key so the client's retry runs.
            record = getattr(self.request, "idempotency_record", None)
            if record is not None:
                self.request.idempotency_record = None
                idempotency.release(record)
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        rate_limit = getattr(request, "rate_limit", None)
        if rate_limit is not None:
            for name, value in rate_limit.headers().items():
                response[name] = value
        record = getattr(request, "idempotency_record", None)
        if record is not None:
            request.idempotency_record = None
            idempotency.store(record, response)
        return response

    # -- pagination -----------------------------------------------------------------------------

    def keyset_page(self, queryset, to_item=None):
        """A cursor page of `queryset` (ordered by the view's `ordering_fields`), items mapped by `to_item`."""
        paginator = KeysetPagination(self)
        rows, next_cursor = paginator.paginate(queryset, self.request)
        results = [to_item(row) for row in rows] if to_item else rows
        return paginator.response(self.request, results, next_cursor)


class ApiView(ApiMixin, APIView):
    """A single endpoint (GET/POST handlers written out)."""


class ApiGenericView(ApiMixin, generics.GenericAPIView):
    """A generic view with a queryset and serializer."""


class ApiViewSet(ApiMixin, viewsets.GenericViewSet):
    """A viewset; register it in developer/api/urls.py."""
