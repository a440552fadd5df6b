"""One pagination convention for every list endpoint: limit/offset in, a Page out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

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


class Page(BaseModel, Generic[T]):
    """A page of results: `total` counts every match, `items` holds at most `limit` of them."""

    items: list[T]
    total: int
    limit: int
    offset: int
