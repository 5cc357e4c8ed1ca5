"""`GET /api/v1/me/`: who the key is — its organization, role and scopes — so an integration can check
its own set-up (and a support question can quote it) without guessing from 403s."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from acorn_portal.models import Organization
from developer.api.base import ApiView
from developer.api.permissions import ANY_SCOPE


class MeView(ApiView):
    """The calling key: any valid key may ask about itself."""

    required_scopes = {"GET": ANY_SCOPE}

    @extend_schema(
        responses=inline_serializer(
            name="Me",
            fields={
                "organization": inline_serializer(
                    name="MeOrganization", fields={"id": serializers.IntegerField(), "name": serializers.CharField()}
                ),
                "key": inline_serializer(
                    name="MeKey",
                    fields={
                        "prefix": serializers.CharField(),
                        "name": serializers.CharField(),
                        "expires_at": serializers.DateTimeField(allow_null=True),
                    },
                ),
                "role": serializers.CharField(help_text="What the services allow the key, as for a person."),
                "scopes": serializers.ListField(child=serializers.CharField(), help_text="The endpoints it may call."),
            },
        )
    )
    def get(self, request):
        key = self.api_key
        name = Organization.objects.filter(pk=key.organization_id).values_list("name", flat=True).get()
        return Response(
            {
                "organization": {"id": key.organization_id, "name": name},
                "key": {"prefix": key.prefix, "name": key.name, "expires_at": key.expiry_date},
                "role": key.role,
                "scopes": sorted(key.scopes),
            }
        )
