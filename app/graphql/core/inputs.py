"""Reading mutation inputs through the generated pydantic models."""

from typing import Any, TypeVar

import pydantic

from app.graphql.core.errors import ValidationError
from generated.base_model import BaseModel

InputModel = TypeVar("InputModel", bound=BaseModel)


def parse_input(
    model: type[InputModel], value: dict[str, Any], *, field: str = "input"
) -> InputModel:
    """The generated model of an input object; `model_fields_set` then tells an omitted
    field from an explicit null."""
    try:
        return model.model_validate(value)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        location = ".".join([field, *(str(part) for part in first["loc"])])
        raise ValidationError(f"`{location}`: {first['msg']}.", field=location) from None


def parse_optional_input(
    model: type[InputModel], value: dict[str, Any] | None, *, field: str
) -> InputModel | None:
    """`parse_input` for a nullable argument such as `filter` or `orderBy`."""
    return None if value is None else parse_input(model, value, field=field)


def require_not_null(value: Any, *, field: str) -> Any:
    """A field that may be omitted from an update but, when given, must not be null."""
    if value is None:
        raise ValidationError(
            f"`{field}` cannot be null; omit it to keep the current value.", field=field
        )
    return value
