"""One pagination convention for every list endpoint: limit/offset in, a Page out."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
MAX_LIMIT = 500


class PageParams(BaseModel):
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(_page_params)]


def _page_example(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Document `Page[Item]` with a one-item page of Item's own example (when it has one)."""
    args = model.__pydantic_generic_metadata__["args"]
    item = args[0] if args else None
    extra = item.model_config.get("json_schema_extra") if (
        isinstance(item, type) and issubclass(item, BaseModel)) else None
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if isinstance(examples, list) and examples:
        schema["examples"] = [{"items": [examples[0]], "total": 1, "limit": 50, "offset": 0}]


class Page(BaseModel, Generic[T]):
    """A page of results: `total` counts every match, `items` holds at most `limit` of them."""

    model_config = ConfigDict(json_schema_extra=_page_example)

    items: list[T]
    total: int
    limit: int
    offset: int
