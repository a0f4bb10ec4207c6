"""Every error answer is an RFC 9457 problem document, whatever raised it."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from escalq.services.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Throttled,
    TooLarge,
    Unauthorized,
)

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
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


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response; `extra` adds members such as `errors`."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="escalq"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": _field(item["loc"]), "message": item["msg"], "type": item["type"]}
        for item in error.errors()
    ]
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in errors)
    return problem(422, f"the request is not valid: {summary}", errors=errors)


async def _domain(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = next(code for kind, code in _STATUS_OF.items() if isinstance(error, kind))
    if isinstance(error, Throttled):
        response = problem(status, error.message, retry_after_s=error.retry_after_s)
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    if error.field is None:
        return problem(status, error.message)
    return problem(
        status,
        error.message,
        errors=[{"field": error.field, "message": error.message, "type": "value_error"}],
    )


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return problem(error.status_code, str(error.detail))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "an unexpected error occurred; nothing was saved")


def install(app: FastAPI) -> None:
    """Route every kind of failure to a problem document."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
