"""Validation errors of nested objects and lists become dotted names and JSON pointers, never reprs."""

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from developer.api.problems import problem_exception_handler


class Line(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0)


class Order(serializers.Serializer):
    number = serializers.CharField()
    lines = Line(many=True)
    tags = serializers.ListField(child=serializers.IntegerField())


def test_nested_serializer_errors_become_problem_details_with_pointers():
    serializer = Order(data={"lines": [{"quantity": 1}, {"quantity": -1}], "tags": [1, "x"]})
    assert not serializer.is_valid()
    response = problem_exception_handler(ValidationError(serializer.errors), {})
    body = response.data
    assert body["status"] == 400
    assert body["errors"]["number"] == ["This field is required."]
    assert body["errors"]["lines.1.quantity"] == ["Ensure this value is greater than or equal to 0."]
    assert body["errors"]["tags.1"] == ["A valid integer is required."]
    pointers = {param["pointer"]: param["code"] for param in body["invalid_params"]}
    assert pointers == {"/number": "required", "/lines/1/quantity": "min_value", "/tags/1": "invalid"}
    assert "ErrorDetail" not in repr(body)
