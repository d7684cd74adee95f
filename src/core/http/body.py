"""Request bodies that may be JSON or multipart (the web client sends files in FormData, contract X3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

import msgspec
from litestar.datastructures import UploadFile

from core.http.errors import FieldErrors

if TYPE_CHECKING:
    from litestar import Request

__all__ = ("Upload", "read_body")

T = TypeVar("T", bound=msgspec.Struct)
_MAX_JSON_BODY = 1_000_000


class Upload(msgspec.Struct, frozen=True):
    """A file that came with a multipart body."""

    filename: str
    content_type: str
    data: bytes


def _dict_fields(struct_type: type[msgspec.Struct]) -> set[str]:
    hints = get_type_hints(struct_type, include_extras=False)
    return {name for name, hint in hints.items() if "dict" in str(hint)}


def _coerce_form(struct_type: type[msgspec.Struct], form: dict[str, Any]) -> dict[str, Any]:
    """Form values are strings: JSON-decode the object fields; empty strings mean "not given"."""
    object_fields = _dict_fields(struct_type)
    values: dict[str, Any] = {}
    for key, value in form.items():
        if key in object_fields and isinstance(value, str):
            try:
                values[key] = msgspec.json.decode(value) if value.strip() else {}
            except msgspec.DecodeError:
                raise FieldErrors({key: ["Must be a JSON object."]}) from None
        elif value == "" and key not in ("description", "name"):
            continue
        else:
            values[key] = value
    return values


def _convert(struct_type: type[T], raw: Any, *, strict: bool) -> T:
    try:
        return msgspec.convert(raw, struct_type, strict=strict)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = None
        if " - at `$." in message:
            message, _, path = message.partition(" - at `$.")
            field = path.rstrip("`").split(".")[0].split("[")[0]
        elif message.startswith("Object missing required field `"):
            field = message.split("`")[1]
            message = "This field is required."
        raise FieldErrors({field or "non_field_errors": [message]}) from None


async def read_body(request: Request[Any, Any, Any], struct_type: type[T]) -> tuple[T, dict[str, Upload]]:
    """Decode the body as ``struct_type`` from JSON or multipart; return it and the uploaded files.

    Raises:
        FieldErrors: invalid fields or a body that is neither.
    """
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()
        files: dict[str, Upload] = {}
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = Upload(
                    filename=value.filename or "", content_type=value.content_type or "", data=await value.read()
                )
            elif key not in fields:
                fields[key] = value
        return _convert(struct_type, _coerce_form(struct_type, fields), strict=False), files
    body = await request.body()
    if not body.strip():
        body = b"{}"
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise FieldErrors({"non_field_errors": ["Malformed request body: not valid JSON."]}) from None
    if not isinstance(raw, dict):
        raise FieldErrors({"non_field_errors": ["Expected a JSON object."]})
    # Files sent in JSON (the client sends `cover_image: {}` on edit) carry nothing; drop them.
    return _convert(struct_type, raw, strict=True), {}
