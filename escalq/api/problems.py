"""Every error answer is an RFC 9457 problem document, whatever raised it; the OpenAPI document says so."""

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from escalq.schemas.problem import FieldProblem, Problem
from escalq.services.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    SchemaErrors,
    Throttled,
    TooLarge,
    Unauthorized,
)

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
_STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Unauthorized: 401,
    Invalid: 422,
    TooLarge: 413,
    Throttled: 429,
    DomainError: 400,
}
# What each status means on any route, unless the route says what it means there.
_MEANING = {
    401: "No API key, or one that is unknown, revoked or of a disabled agent",
    403: "The key is valid but may not do this",
    404: "No such escalation, or not one this key may see",
    409: "The escalation is not in a state that allows this",
    413: "The request body is over ESCALQ_MAX_BODY_BYTES; the answer gives both sizes",
    422: "The request is not valid; `errors` names each input at fault",
    429: "Over the agent's rate limit or daily budget; retry after Retry-After seconds",
    503: "The database did not answer; retry after Retry-After seconds (with the same Idempotency-Key)",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": 'Bearer realm="escalq"', "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 0}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 0}}},
}
# How long a client should wait when PostgreSQL is unreachable: about one reconnect attempt of the pool.
DATABASE_RETRY_AFTER_S = 5


def problem(
    status: int,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    retry_after_s: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; 401 carries WWW-Authenticate, 429 and 503 Retry-After."""
    body = Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=list(errors),
        retry_after_s=retry_after_s,
    ).model_dump(mode="json", exclude_defaults=True)
    all_headers = dict(headers or {})
    if status == 401:
        all_headers["WWW-Authenticate"] = 'Bearer realm="escalq"'
    if retry_after_s is not None:
        all_headers["Retry-After"] = str(retry_after_s)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def field_name(loc: Sequence[Any]) -> str:
    """`body.context_data.a`; NUL and lone surrogates in names are escaped, so the answer can be sent."""
    name = ".".join(str(part) for part in loc)
    return name.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000")


def _received_at(request: Request, place: Sequence[str | int]) -> str:
    """Where the request carried the input a service names (`("context_data", "a")`): the route's query,
    header or path parameter of that name, as sent (`query.cursor`, `header.idempotency-key`), else the
    JSON body (`body.context_data.a`)."""
    route = request.scope.get("route")
    for parameter in get_flat_params(route.dependant) if isinstance(route, APIRoute) else []:
        if place and parameter.name == place[0] and isinstance(parameter.field_info, params.Param):
            return field_name((parameter.field_info.in_.value, parameter.alias, *place[1:]))
    return field_name(("body", *place))


def invalid(errors: Sequence[FieldProblem], *, lead: str = "the request is not valid") -> JSONResponse:
    """422 naming every input at fault."""
    summary = "; ".join(f"{error.field}: {error.message}" for error in errors)
    return problem(422, f"{lead}: {summary}", errors=errors)


def responses(*statuses: int, notes: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each a problem document; `notes` say what a status
    means on this route."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        declared[status] = {
            "description": (notes or {}).get(status, _MEANING[status]),
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        }
        if status in _HEADERS:
            declared[status]["headers"] = {
                name: {**header, "required": True} for name, header in _HEADERS[status].items()
            }
    return declared


async def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return invalid(
        [
            FieldProblem(field=field_name(item["loc"]), message=item["msg"], type=item["type"])
            for item in error.errors()
        ]
    )


async def _domain(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = next(code for kind, code in _STATUS_OF.items() if isinstance(error, kind))
    if isinstance(error, Throttled):
        return problem(status, error.message, retry_after_s=error.retry_after_s)
    if isinstance(error, SchemaErrors):
        found = [
            FieldProblem(field=_received_at(request, loc), message=text, type=kind)
            for loc, text, kind in error.errors
        ]
        return invalid(found, lead=error.message)
    if error.field is None:
        return problem(status, error.message)
    where = _received_at(request, (error.field,))
    return problem(
        status, error.message, errors=[FieldProblem(field=where, message=error.message, type="value_error")]
    )


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return problem(error.status_code, str(error.detail), headers=error.headers)


async def _database(request: Request, error: Exception) -> JSONResponse:
    """PostgreSQL unreachable or the connection lost, the pool exhausted, or a transient failure it
    reports as operational (deadlock, statement timeout): 503, never 500. A write whose COMMIT was cut
    off may have been saved, so the answer says to retry with the same Idempotency-Key."""
    transient = isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )
    if not transient:
        return await _unexpected(request, error)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
    return problem(
        503,
        "the database did not answer; retry after Retry-After seconds, with the same Idempotency-Key "
        "if this request may have been saved",
        retry_after_s=DATABASE_RETRY_AFTER_S,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "an unexpected error occurred; nothing was saved")


def install(app: FastAPI) -> None:
    """Route every kind of failure to a problem document."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _database)
    app.add_exception_handler(Exception, _unexpected)


def component_schemas() -> dict[str, Any]:
    """The schemas `responses()` refers to, for the OpenAPI document's components."""
    _, definitions = models_json_schema(
        [(Problem, "serialization")], ref_template="#/components/schemas/{model}"
    )
    return dict(definitions["$defs"])
