"""Schemathesis hooks for scripts/openapi-conformance.sh.

Three rules of `POST /v1/notifications` depend on state, time, or which vendors the targets
name, which a JSON Schema cannot state, so a request the schema allows can rightly get `422`:

- an `Idempotency-Key` already used with a different body is `422 idempotency-key-reused`
  (the idempotency-key draft). Schemathesis draws keys from the schema, so unrelated cases
  share keys ("!", the documented example);
- `options.expiration` must be after acceptance and at most 366 days later;
- the notification must be within the limits of every vendor a target names (Huawei's
  4,096-byte message, Xiaomi's title and description lengths, vivo's title and body with a
  CJK character counting 2, and each vendor's checks on `overrides.<vendor>`; `ttl: 0`, now
  or never, is APNs only): the document says so in the 422 description and in
  `Notification`, `Overrides` and `options.ttl`.

The hook drops exactly those "valid data rejected" failures, and only after checking the
claim: the key (bare and quoted forms are one key) was accepted earlier in this run with
other body bytes; the expiration really is outside that window; every error is a Huawei,
Xiaomi or vivo refusal of the notification, a target of that vendor is in the request, and
the reason given holds for the request (recomputed here) or `overrides.<vendor>` is present
(or the error is `options.expiration` "already expired" to `ttl: 0` with such a target).
A token error is never excused: the schema states each vendor's token rule. Any other 422
to valid data stays a failure.
"""

import atexit
import datetime
import json
import re
import sys
import threading
import time
import unicodedata

import schemathesis

_HEADER = "idempotency-key"
_REUSED = "https://pushgate.dev/problems/idempotency-key-reused"
_VALIDATION = "https://pushgate.dev/problems/validation-failed"
_lock = threading.Lock()
# Normalized key -> the body bytes it was first accepted (202) with.
_accepted = {}
# How many failures each verified excuse dropped, printed at the end.
_excused = {"idempotency-key-reused": 0, "expiration-outside-window": 0, "vendor-limit": 0}
# Vendor-limit excuses by vendor and reason (one failure may hold several), printed at the end.
_vendor_reasons = {}


@atexit.register
def _report():
    print(
        "openapi-conformance hooks: excused (claim checked) "
        + ", ".join(f"{count} {name}" for name, count in _excused.items()),
        file=sys.stderr,
    )
    if _vendor_reasons:
        print(
            "openapi-conformance hooks: vendor-limit errors excused by reason: "
            + ", ".join(f"{count} {name}" for name, count in sorted(_vendor_reasons.items())),
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
        reasons = _vendor_limits(problem, response.request)
        if reasons:
            with _lock:
                for reason in reasons:
                    _vendor_reasons[reason] = _vendor_reasons.get(reason, 0) + 1
            return _excuse("vendor-limit")
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


# The field errors NotificationIntake.fieldError makes of a Huawei, Xiaomi or vivo refusal of
# the notification (not of a token: "not a valid … device token" is never excused).
_VENDOR_REJECTS = re.compile(r"^(huawei|xiaomi|vivo) would reject it: [A-Za-z]+ \((.*)\)$", re.S)
_VENDOR_TOO_LARGE = re.compile(r"^the (huawei|xiaomi|vivo) payload would exceed its size limit \((.*)\)$", re.S)

_HUAWEI_MAX_MESSAGE_BYTES = 4096
_XIAOMI_MAX_TITLE, _XIAOMI_MAX_DESCRIPTION = 49, 127
_VIVO_MAX_TITLE, _VIVO_MAX_CONTENT, _VIVO_MAX_CUSTOM_MAP = 40, 100, 1024


def _vendor_limits(problem, request):
    """The reasons (`vivo: title too long`, …) when every error of the 422 is a vendor's
    refusal of the notification, a target names that vendor, and the vendor's reason holds
    for the request sent (or `overrides.<vendor>` is present, which can break any of its
    checks); None otherwise."""
    errors = problem.get("errors") or []
    if not errors:
        return None
    _, body = _key_and_body(request)
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    targets = document.get("targets")
    notification = document.get("notification")
    overrides = document.get("overrides")
    if not isinstance(targets, list) or not isinstance(notification, dict):
        return None
    named = {target.get("vendor") for target in targets if isinstance(target, dict)}
    reasons = []
    for error in errors:
        if not isinstance(error, dict):
            return None
        detail = error.get("detail")
        if not isinstance(detail, str):
            return None
        if error.get("field") == "options.expiration":
            # `ttl: 0` (now or never) is APNs only: the others find it expired before sending.
            options = document.get("options")
            ttl = options.get("ttl") if isinstance(options, dict) else None
            if (
                detail != "already expired (expired before sending)"
                or ttl != 0
                or isinstance(ttl, bool)
                or not named & {"huawei", "xiaomi", "vivo"}
            ):
                return None
            reasons.append("ttl 0 without APNs")
            continue
        if error.get("field") != "notification":
            return None
        match = _VENDOR_REJECTS.match(detail) or _VENDOR_TOO_LARGE.match(detail)
        if match is None:
            return None
        vendor, vendor_reason = match.group(1), match.group(2)
        if vendor not in named:
            return None
        if isinstance(overrides, dict) and isinstance(overrides.get(vendor), dict):
            reasons.append(f"{vendor}: overrides.{vendor}")
            continue
        check = {"huawei": _huawei_claim, "xiaomi": _xiaomi_claim, "vivo": _vivo_claim}[vendor]
        reason = check(vendor_reason, notification, document.get("options"))
        if reason is None:
            return None
        reasons.append(f"{vendor}: {reason}")
    return reasons


def _huawei_claim(vendor_reason, notification, options):
    """Without overrides Huawei refuses only a message over 4,096 bytes: the size it states
    must be over the limit, and the message rebuilt here must be that large too."""
    match = re.fullmatch(r"message is (\d+) bytes, Huawei allows 4096", vendor_reason)
    if match is None or int(match.group(1)) <= _HUAWEI_MAX_MESSAGE_BYTES:
        return None
    # The estimate can be a few bytes off (a random tag's notify_id digits, float spelling).
    if _huawei_message_bytes(notification, options) <= _HUAWEI_MAX_MESSAGE_BYTES - 16:
        return None
    return "message over 4096 bytes"


def _xiaomi_claim(vendor_reason, notification, options):
    """Xiaomi checks title and description only when there is a title or body. Python counts
    code points, at least as many as Swift's characters, so a claim of too many characters
    must also hold in code points."""
    title, body = notification.get("title"), notification.get("body")
    if not isinstance(title, str) and not isinstance(body, str):
        return None
    if vendor_reason == "Xiaomi needs a title that is not blank":
        return "blank title" if not isinstance(title, str) or _blank(title) else None
    match = re.fullmatch(r"(title|description) is (\d+) characters, Xiaomi allows fewer than (50|128)", vendor_reason)
    if match is None:
        return None
    field, count = match.group(1), int(match.group(2))
    text, limit = (title, _XIAOMI_MAX_TITLE) if field == "title" else (body, _XIAOMI_MAX_DESCRIPTION)
    text = text if isinstance(text, str) else ""
    if count <= limit or len(text) < count:
        return None
    return f"{field} too long"


def _vivo_claim(vendor_reason, notification, options):
    """vivo needs a title and a body, weighs a code point from U+1100 up as 2, and limits
    `data` (its clientCustomMap, values as JSON text) to 1,024 characters."""
    title, body = notification.get("title"), notification.get("body")
    if vendor_reason == "vivo shows notifications only: it needs a title and a body":
        return "no title or body" if not isinstance(title, str) or not isinstance(body, str) else None
    if vendor_reason == "vivo needs a title and a body":
        return "empty title or body" if title == "" or body == "" else None
    match = re.fullmatch(r"(title|content) counts (\d+), vivo allows (40|100)", vendor_reason)
    if match is not None:
        field, count = match.group(1), int(match.group(2))
        text, limit = (title, _VIVO_MAX_TITLE) if field == "title" else (body, _VIVO_MAX_CONTENT)
        if not isinstance(text, str) or count <= limit or _vivo_weight(text) != count:
            return None
        return f"{field} too long"
    match = re.fullmatch(r"clientCustomMap holds (\d+) characters, vivo allows 1024", vendor_reason)
    if match is not None:
        data = notification.get("data")
        if int(match.group(1)) <= _VIVO_MAX_CUSTOM_MAP or not isinstance(data, dict):
            return None
        size = sum(
            len(key) + len(value if isinstance(value, str) else _json_text(value)) for key, value in data.items()
        )
        return "data too large" if size > _VIVO_MAX_CUSTOM_MAP else None
    return None


def _blank(text):
    """Swift's `Character.isWhitespace` looks at a character's first scalar: combining marks
    and format characters after a space leave it blank."""
    return all(
        c.isspace() or (index > 0 and unicodedata.category(c) in ("Mn", "Mc", "Me", "Cf"))
        for index, c in enumerate(text)
    )


def _vivo_weight(text):
    return sum(2 if ord(c) >= 0x1100 else 1 for c in text)


def _json_string(text):
    """A string as the gateway's JSONWriter writes it."""
    out = ['"']
    for c in text:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _json_text(value):
    """Compact JSON as the gateway's JSONWriter writes it (numbers as Swift spells them)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return str(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if number == round(number) and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_json_text(element) for element in value) + "]"
    return "{" + ",".join(_json_string(key) + ":" + _json_text(member) for key, member in value.items()) + "}"


def _notify_id(tag):
    value = 2_166_136_261
    for byte in tag.encode("utf-8"):
        value = ((value ^ byte) * 16_777_619) & 0xFFFFFFFF
    return value & 0x7FFFFFFF


def _huawei_message_bytes(notification, options):
    """The size of the Huawei message the gateway builds (HuaweiMessageBuilder, the demo's
    settings: no category, channel or badge class)."""
    options = options if isinstance(options, dict) else {}
    title, body = notification.get("title"), notification.get("body")
    visible = isinstance(title, str) or isinstance(body, str)
    message, android = {}, {}
    if visible:
        fields = {}
        if isinstance(title, str):
            fields["title"] = title
        if isinstance(body, str):
            fields["body"] = body
        fields["click_action"] = {"type": 3}
        collapse = options.get("collapse_key")
        tag = collapse if isinstance(collapse, str) else "00000000-0000-0000-0000-000000000000"
        fields["tag"] = tag
        fields["notify_id"] = _notify_id(tag)
        if options.get("priority") == "low":
            fields["importance"] = "LOW"
        sound = notification.get("sound")
        name = sound.get("name") if isinstance(sound, dict) else sound
        if name == "default":
            fields["default_sound"] = True
        elif isinstance(name, str):
            fields["sound"] = name
        android["notification"] = fields
    data = notification.get("data")
    data = data if isinstance(data, dict) else {}
    if data or not visible:
        message["data"] = _json_text(data)
    android["ttl"] = "1296000s"
    if options.get("priority") == "high" and not visible:
        android["urgency"] = "HIGH"
    message["android"] = android
    return len(_json_text(message).encode("utf-8", "surrogatepass"))
