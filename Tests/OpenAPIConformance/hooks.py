"""Schemathesis hooks for scripts/openapi-conformance.sh.

Two rules of `POST /v1/notifications` depend on state or time, which a JSON Schema cannot
state, so a request the schema allows can rightly get `422`:

- an `Idempotency-Key` already used with a different body is `422 idempotency-key-reused`
  (the idempotency-key draft). Schemathesis draws keys from the schema, so unrelated cases
  share keys ("!", the documented example);
- `options.expiration` must be after acceptance and at most 366 days later.

The hook drops exactly those "valid data rejected" failures, and only after checking the
claim: the key (bare and quoted forms are one key) was accepted earlier in this run with
other body bytes; the expiration really is outside that window. Any other 422 to valid data
stays a failure.
"""

import atexit
import datetime
import json
import sys
import threading
import time

import schemathesis

_HEADER = "idempotency-key"
_REUSED = "https://pushgate.dev/problems/idempotency-key-reused"
_VALIDATION = "https://pushgate.dev/problems/validation-failed"
_lock = threading.Lock()
# Normalized key -> the body bytes it was first accepted (202) with.
_accepted = {}
# How many failures each verified excuse dropped, printed at the end.
_excused = {"idempotency-key-reused": 0, "expiration-outside-window": 0}


@atexit.register
def _report():
    print(
        "openapi-conformance hooks: excused (claim checked) "
        + ", ".join(f"{count} {name}" for name, count in _excused.items()),
        file=sys.stderr,
    )


def _normalize(value):
    """The key the server sees: surrounding spaces dropped, a Structured Field string unquoted."""
    text = value.strip(" \t")
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner, out, escaping = text[1:-1], [], False
        for character in inner:
            if escaping:
                out.append(character)
                escaping = False
            elif character == "\\":
                escaping = True
            else:
                out.append(character)
        return "".join(out)
    return text


def _key_and_body(request):
    key = None
    for name, value in request.headers.items():
        if name.lower() == _HEADER:
            key = _normalize(value if isinstance(value, str) else value.decode("latin-1"))
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return key, body


@schemathesis.hook
def after_call(ctx, case, response):
    if response.status_code != 202 or case.method.upper() != "POST":
        return
    key, body = _key_and_body(response.request)
    if key is not None:
        with _lock:
            _accepted.setdefault(key, body)


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """False drops the failure: a true idempotency-key reuse, verified against this run."""
    if failure.code != "ST202" or response.status_code != 422:
        return True
    try:
        problem = json.loads(response.content)
    except ValueError:
        return True
    if not isinstance(problem, dict):
        return True
    if problem.get("type") == _VALIDATION:
        if _expiration_outside_window(problem, response.request):
            return _excuse("expiration-outside-window")
        return True
    if problem.get("type") != _REUSED:
        return True
    key, body = _key_and_body(response.request)
    with _lock:
        first = _accepted.get(key)
    if first is None or first == body:
        return True
    return _excuse("idempotency-key-reused")


def _excuse(name):
    with _lock:
        _excused[name] += 1
    return False


def _expiration_outside_window(problem, request):
    """Whether the 422 names only `options.expiration` and its value is indeed outside
    (now, now + 366 days], give or take a few seconds around the edges."""
    errors = problem.get("errors") or []
    if not errors or any(error.get("field") != "options.expiration" for error in errors):
        return False
    _, body = _key_and_body(request)
    try:
        value = json.loads(body)["options"]["expiration"]
    except (ValueError, KeyError, TypeError):
        return False
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        seconds = float(value)
    elif isinstance(value, str):
        if value.startswith("0000-"):
            return True  # Year 0 is valid RFC 3339 and long past; Python cannot represent it.
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
        except ValueError:
            return False
        if parsed.tzinfo is None:
            return False
        seconds = parsed.timestamp()
    else:
        return False
    now, slack = time.time(), 5.0
    return seconds <= now + slack or seconds >= now + 366 * 86_400 - slack
