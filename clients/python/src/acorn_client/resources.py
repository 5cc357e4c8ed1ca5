"""One class per API area; each method is one endpoint."""

from __future__ import annotations

from typing import Any

from . import models
from ._transport import Transport
from .pagination import Paginator


class Resource:
    def __init__(self, transport: Transport):
        self._http = transport


class Chargebacks(Resource):
    def list(self, **filters: Any) -> Paginator[models.Chargeback]:
        return Paginator(self._http, "chargebacks/", models.Chargeback.from_api, filters)
