"""Lists refuse query parameters they do not document: `?stat=new` is a 400, never silently ignored.

The accepted names are the query parameters the operation declares for the OpenAPI description
(`@extend_schema(parameters=...)`), so what is documented and what is accepted cannot drift. A
refusal is a validation problem listing each unknown name (`invalid_params`, code
`unknown_parameter`) and the accepted ones (`accepted_params`).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

_ACCEPTED: dict[tuple[type, str], frozenset[str]] = {}


class UnknownQueryParameterError(ValidationError):
    def __init__(self, unknown: list[str], accepted: list[str]):
        listed = ", ".join(accepted) or _("none")
        message = _("Unknown query parameter. Accepted here: %(accepted)s.") % {"accepted": listed}
        super().__init__({name: [message] for name in unknown}, code="unknown_parameter")
        self.accepted = accepted


def documented(view) -> frozenset[str]:
    """The query parameters the view's current action documents (cached per view class and action)."""
    key = (type(view), view.action)
    if key not in _ACCEPTED:
        handler = getattr(type(view), view.action, None)
        schema_class = getattr(handler, "kwargs", {}).get("schema")
        names: set[str] = set()
        if schema_class is not None:
            schema = schema_class()
            schema.view = view
            schema.method = "GET"
            for parameter in schema.get_override_parameters():
                if isinstance(parameter, OpenApiParameter) and parameter.location == OpenApiParameter.QUERY:
                    names.add(parameter.name)
        if len(getattr(view, "renderer_classes", ())) > 1:
            names.add("format")  # ?format=csv where a list offers CSV (documented from the renderers)
        _ACCEPTED[key] = frozenset(names)
    return _ACCEPTED[key]


def refuse_unknown(view, request) -> None:
    """Raise UnknownQueryParameterError when a GET of a checked action carries an undocumented parameter."""
    if request.method != "GET" or getattr(view, "action", None) not in view.strict_query_actions:
        return
    accepted = documented(view)
    unknown = sorted(name for name in request.query_params if name not in accepted)
    if unknown:
        raise UnknownQueryParameterError(unknown, sorted(accepted))
