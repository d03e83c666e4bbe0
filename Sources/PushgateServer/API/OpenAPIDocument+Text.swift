// The OpenAPI document, compiled into the binary so that `pushgate` needs no resource folder
// next to it. `openapi.yaml` at the repository root is the same text for tools (a test keeps
// the two identical); edit openapi.yaml and run scripts/embed-openapi.sh.
extension OpenAPIDocument {
    static let text = #"""
        openapi: 3.1.0
        info:
          title: Pushgate REST API
          version: "1.0.0"
          summary: Self-hosted push gateway for APNs and the Chinese Android vendors.
          description: |
            A backend hands Pushgate notifications; Pushgate stores them durably (a `202` means the
            notification and every delivery are committed), delivers each one to its vendor, and
            reports per-device outcomes.

            **Errors.** Every error is an RFC 9457 problem document (`application/problem+json`) with a
            stable `type` URI under `https://pushgate.dev/problems/`. Validation problems list every
            field at fault in `errors`, each named by its path in the request (`targets[3].token`,
            `options.ttl`). A request that fails changes nothing.

            **Problem types.**

            | type | status | when |
            |---|---|---|
            | `https://pushgate.dev/problems/malformed-json` | 400 | the body is not valid UTF-8 JSON (duplicate keys included) |
            | `https://pushgate.dev/problems/invalid-parameter` | 400 | a path or query parameter is malformed |
            | `https://pushgate.dev/problems/invalid-idempotency-key` | 400 | `Idempotency-Key` is not 1–255 printable ASCII characters, or sent twice |
            | `https://pushgate.dev/problems/unauthorized` | 401 | missing, malformed or unknown API key |
            | `https://pushgate.dev/problems/not-found` | 404 | no such notification for this app, or no such route |
            | `https://pushgate.dev/problems/method-not-allowed` | 405 | the path exists but not with this method; `Allow` lists the methods it has |
            | `https://pushgate.dev/problems/idempotency-request-in-progress` | 409 | the first request with this `Idempotency-Key` is still being processed |
            | `https://pushgate.dev/problems/request-too-large` | 413 | the body exceeds the configured `max_request_bytes` |
            | `https://pushgate.dev/problems/validation-failed` | 422 | a field is missing, unknown or of the wrong type; a target names a vendor the app has no credentials for; or the target's vendor refuses it (token format, payload size, expiry, …) |
            | `https://pushgate.dev/problems/too-many-targets` | 422 | more targets than allowed in one request (1000) |
            | `https://pushgate.dev/problems/too-many-items` | 422 | a batch with no notifications or more than 500 |
            | `https://pushgate.dev/problems/idempotency-key-reused` | 422 | the `Idempotency-Key` was used before with a different body |
            | `https://pushgate.dev/problems/internal-error` | 500 | a bug; the request id in the document is in the logs |
            | `https://pushgate.dev/problems/store-unavailable` | 503 | the store failed; nothing was changed, retry (with the same `Idempotency-Key`) |
            | `https://pushgate.dev/problems/not-ready` | 503 | `/readyz`: the gateway cannot serve yet |

            **Idempotency.** `POST /v1/notifications` honours the `Idempotency-Key` header
            (draft-ietf-httpapi-idempotency-key-header). Keys are scoped per app and remembered for the
            configured `idempotency_window` (24 hours by default). The request fingerprint is the
            SHA-256 of the body bytes exactly as sent: a retry must send the same bytes.

            **Validation the schema cannot express.** A request that matches this document can still
            get `422 validation-failed`, naming each field at fault: a target's `vendor` that the app
            has no credentials for; a notification that a vendor named by the targets would refuse
            once built for it (`notification`, or the option at fault): APNs over 4096 bytes (5120 for
            VoIP); Huawei's `message` over 4,096 bytes; Xiaomi's title of 50 characters or more, a
            blank title, a description of 128 or more; vivo without both a title and a body, a title
            over 40 or a body over 100 counting a CJK character as 2, or `data` over 1,024 characters;
            and what each vendor's checks find in `overrides.<vendor>` (each vendor's limits are in
            the README); `ttl: 0` (now or never, APNs only) with a Huawei, Xiaomi or vivo target; an
            `expiration` in the past or more than 366 days away; a priority the push type does not
            allow. Each target's token format is in the schema (`Target`): a token that
            matches it passes the vendor's check.

            **Methods.** A path asked with a method it does not have answers `405 method-not-allowed`
            with an `Allow` header listing its methods.
          license:
            name: Apache-2.0
            identifier: Apache-2.0
        servers:
          - url: http://127.0.0.1:8080
            description: The default listen address of `pushgate serve`.
        security:
          - bearerAuth: []
        tags:
          - name: notifications
            description: Send notifications and follow their deliveries.
          - name: invalid-tokens
            description: Device tokens vendors reported dead.
          - name: operations
            description: Health, readiness, metrics and this document. No API key needed.

        paths:
          /v1/notifications:
            post:
              tags: [notifications]
              operationId: createNotification
              summary: Accept a notification for up to 1000 devices.
              description: |
                Validates everything (fields, each target's vendor and token format, and the
                notification against the limits of every vendor the targets name) before storing.
                Nothing is stored unless the whole request is valid. The `202` is sent only after the
                notification and one delivery per target are committed. Deliveries are listed in the
                order of `targets`.
              parameters:
                - $ref: "#/components/parameters/IdempotencyKey"
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/NotificationRequest"
                    example:
                      notification:
                        title: Your order shipped
                        body: It arrives on Thursday.
                        sound: default
                        data:
                          order_id: "A-1042"
                      options:
                        priority: high
                        ttl: 3600
                        collapse_key: order-A-1042
                      targets:
                        - vendor: apns
                          token: 3f2a9c6d1b8e4f7a0c5d2e9b6a3f8c1d4e7b0a9c2f5d8e1b4a7c0f3e6d9b2a5c
                          environment: sandbox
              responses:
                "202":
                  description: |
                    Stored. With an `Idempotency-Key` seen before with the same body, the original
                    response, byte for byte, marked `Idempotent-Replayed: true`; nothing new is stored.
                  headers:
                    Location:
                      $ref: "#/components/headers/Location"
                    Idempotent-Replayed:
                      $ref: "#/components/headers/IdempotentReplayed"
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Accepted"
                "400":
                  $ref: "#/components/responses/BadRequest"
                "401":
                  $ref: "#/components/responses/Unauthorized"
                "409":
                  $ref: "#/components/responses/IdempotencyRequestInProgress"
                "413":
                  $ref: "#/components/responses/RequestTooLarge"
                "422":
                  description: |
                    `validation-failed`, `too-many-targets` or `idempotency-key-reused`.

                    `validation-failed` lists every field at fault. Besides what the schema states, it
                    names a target whose vendor the app has no credentials for (`targets[i].vendor`),
                    and a notification that a vendor named by the targets would refuse
                    (`notification`, or the option at fault). Which limits apply depends on which
                    vendors the targets name, and some count characters with vendor-specific weights,
                    so the schema cannot state them; each vendor's limits are in the README:

                    - APNs: the payload at most 4096 bytes (5120 for VoIP), `collapse_key` at most 64
                      bytes, `priority: high` not for a push that only wakes the app.
                    - Huawei: the `message` sent (without its tokens, `overrides.huawei` merged in) at
                      most 4,096 bytes, and Huawei's field checks on it.
                    - Xiaomi: with a title or body, a title that is not blank and under 50
                      characters, a description (`body`) under 128; and Xiaomi's checks on the form
                      fields once `overrides.xiaomi` is merged in.
                    - vivo: both a title and a body; the title at most 40 and the body at most 100,
                      counting a CJK character as 2; `data` at most 1,024 characters of keys and
                      values; and vivo's checks on the content once `overrides.vivo` is merged in.
                    - Huawei, Xiaomi and vivo: no `ttl: 0` (now or never is APNs only); it is refused
                      as already expired, naming `options.expiration`.

                    The error's `detail` names the vendor (`the vivo payload would exceed its size
                    limit (title counts 52, vivo allows 40)`, `xiaomi would reject it: …`).
                  content:
                    application/problem+json:
                      schema:
                        $ref: "#/components/schemas/Problem"
                      example:
                        type: https://pushgate.dev/problems/validation-failed
                        title: The request is not valid
                        status: 422
                        detail: "targets[3].token: not a valid apns device token (MalformedToken)"
                        errors:
                          - field: targets[3].token
                            detail: not a valid apns device token (MalformedToken)
                        request_id: 6c1f0d1e2a3b4c5d0000000000000001
                "500":
                  $ref: "#/components/responses/InternalError"
                "503":
                  $ref: "#/components/responses/StoreUnavailable"

          /v1/notifications:batch:
            post:
              tags: [notifications]
              operationId: createNotificationBatch
              summary: Accept up to 500 notifications in one request.
              description: |
                Each item is the body of a `POST /v1/notifications`, with an optional
                `idempotency_key` of its own (the same key space as the header: an item's key and a
                single request's key for the same app are the same key; the fingerprint is the
                SHA-256 of the item's JSON with its keys sorted, `idempotency_key` left out). Each
                item is validated, stored and answered exactly as that request would be: `200` lists
                one result per item, in order, `status` 202 with the `Accepted` document, or the
                problem the single request would have answered. Items stand alone: one that fails
                does not hold back the others. The request fails as a whole only for its API key,
                its size (`8 MiB`), its syntax, or a shape that is not `{"notifications": [...]}`
                with 1 to 500 items. The items are stored together by the store's group commit.
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/BatchRequest"
                    example:
                      notifications:
                        - idempotency_key: order-A-1042-shipped
                          notification:
                            title: Your order shipped
                            body: It arrives on Thursday.
                          targets:
                            - vendor: apns
                              token: 3f2a9c6d1b8e4f7a0c5d2e9b6a3f8c1d4e7b0a9c2f5d8e1b4a7c0f3e6d9b2a5c
                              environment: sandbox
              responses:
                "200":
                  description: One result per item, in the order of `notifications`.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/BatchResults"
                "400":
                  $ref: "#/components/responses/BadRequest"
                "401":
                  $ref: "#/components/responses/Unauthorized"
                "413":
                  $ref: "#/components/responses/RequestTooLarge"
                "422":
                  description: "`validation-failed` (not `{\"notifications\": [...]}`) or `too-many-items`."
                  content:
                    application/problem+json:
                      schema:
                        $ref: "#/components/schemas/Problem"
                "500":
                  $ref: "#/components/responses/InternalError"

          /v1/notifications/{id}:
            parameters:
              - $ref: "#/components/parameters/NotificationID"
            get:
              tags: [notifications]
              operationId: getNotification
              summary: Where each delivery of a notification stands.
              responses:
                "200":
                  description: The notification and its deliveries.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/NotificationStatus"
                "400":
                  $ref: "#/components/responses/InvalidParameter"
                "401":
                  $ref: "#/components/responses/Unauthorized"
                "404":
                  $ref: "#/components/responses/NotFound"
                "500":
                  $ref: "#/components/responses/InternalError"
                "503":
                  $ref: "#/components/responses/StoreUnavailable"
            delete:
              tags: [notifications]
              operationId: cancelNotificationByDelete
              deprecated: true
              summary: Cancel the deliveries not sent yet (use `POST /v1/notifications/{id}/cancel`).
              description: |
                The first spelling of `POST /v1/notifications/{id}/cancel`, kept for the clients that
                use it; it does exactly the same. Despite the method it removes nothing: the
                notification stays, and `GET` afterwards answers `200` with its deliveries `cancelled`.
              responses:
                "200":
                  description: The notification after cancelling.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/NotificationStatus"
                "400":
                  $ref: "#/components/responses/InvalidParameter"
                "401":
                  $ref: "#/components/responses/Unauthorized"
                "404":
                  $ref: "#/components/responses/NotFound"
                "500":
                  $ref: "#/components/responses/InternalError"
                "503":
                  $ref: "#/components/responses/StoreUnavailable"

          /v1/notifications/{id}/cancel:
            parameters:
              - $ref: "#/components/parameters/NotificationID"
            post:
              tags: [notifications]
              operationId: cancelNotification
              summary: Cancel the deliveries not sent yet.
              description: |
                Every delivery still `queued` becomes `cancelled`. Deliveries being sent or already
                final are left as they are. The notification itself stays: this and every later `GET`
                show it with its deliveries' states. Cancelling twice is harmless. No body.
              responses:
                "200":
                  description: The notification after cancelling.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/NotificationStatus"
                "400":
                  $ref: "#/components/responses/InvalidParameter"
                "401":
                  $ref: "#/components/responses/Unauthorized"
                "404":
                  $ref: "#/components/responses/NotFound"
                "500":
                  $ref: "#/components/responses/InternalError"
                "503":
                  $ref: "#/components/responses/StoreUnavailable"

          /v1/invalid-tokens:
            get:
              tags: [invalid-tokens]
              operationId: listInvalidTokens
              summary: Device tokens vendors reported dead, oldest first.
              description: |
                A feed to clean the backend's device table: poll with `after` set to the previous
                page's `next_cursor`. An empty page returns the `after` it was given as `next_cursor`.
              parameters:
                - name: after
                  in: query
                  required: false
                  description: Return records with a cursor above this one (0 = from the start).
                  schema:
                    type: integer
                    format: int64
                    minimum: 0
                    default: 0
                - name: limit
                  in: query
                  required: false
                  description: Most records in the page.
                  schema:
                    type: integer
                    minimum: 1
                    maximum: 1000
                    default: 100
              responses:
                "200":
                  description: One page of the feed.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/InvalidTokenFeed"
                "400":
                  $ref: "#/components/responses/InvalidParameter"
                "401":
                  $ref: "#/components/responses/Unauthorized"
                "500":
                  $ref: "#/components/responses/InternalError"
                "503":
                  $ref: "#/components/responses/StoreUnavailable"

          /healthz:
            get:
              tags: [operations]
              operationId: health
              summary: Liveness — the process answers.
              security: []
              responses:
                "200":
                  description: Alive.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Status"
                      example:
                        status: ok

          /readyz:
            get:
              tags: [operations]
              operationId: readiness
              summary: Readiness — the store answers and adapters are configured.
              security: []
              responses:
                "200":
                  description: Ready to accept notifications.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Status"
                      example:
                        status: ready
                "503":
                  description: Not ready; `problems` says why.
                  headers:
                    Retry-After:
                      $ref: "#/components/headers/RetryAfter"
                  content:
                    application/problem+json:
                      schema:
                        $ref: "#/components/schemas/Problem"

          /metrics:
            get:
              tags: [operations]
              operationId: metrics
              summary: Prometheus metrics (text exposition format 0.0.4).
              security: []
              responses:
                "200":
                  description: |
                    Requests by route and status, deliveries by vendor and outcome class, queue depth,
                    send latency, retries, ambiguous attempts and connections.
                  content:
                    text/plain:
                      schema:
                        type: string

          /openapi.yaml:
            get:
              tags: [operations]
              operationId: openAPIDocument
              summary: This document.
              security: []
              responses:
                "200":
                  description: The OpenAPI 3.1 document (YAML).
                  content:
                    application/yaml:
                      schema:
                        type: object
                "500":
                  $ref: "#/components/responses/InternalError"

        components:
          securitySchemes:
            bearerAuth:
              type: http
              scheme: bearer
              description: |
                An app's API key: `Authorization: Bearer <key>`. The configuration stores only its
                SHA-256 (`pushgate hash-key`). Missing or unknown keys get `401` with
                `WWW-Authenticate: Bearer`.

          parameters:
            IdempotencyKey:
              name: Idempotency-Key
              in: header
              required: false
              description: |
                Makes retries safe. 1–255 printable ASCII characters (space to `~`), bare or as a
                Structured Field string (`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, where `\"` and `\\`
                stand for `"` and `\`; the quoted and bare forms of one value are the same key). A bare
                key does not start with `"`, and neither form starts or ends with a space (HTTP drops
                those). Scoped per app. Same key and same body: the original `202` again with
                `Idempotent-Replayed: true`. Same key, different body: `422 idempotency-key-reused`.
                Same key while the first request is still being processed: `409
                idempotency-request-in-progress`. Anything else, or the header sent twice: `400
                invalid-idempotency-key`.
              schema:
                type: string
                pattern: '^(?:[!#-~](?:[ -~]{0,253}[!-~])?|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")$'
              example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"'
            NotificationID:
              name: id
              in: path
              required: true
              description: The notification id from the `202` response.
              schema:
                type: string
                format: uuid

          headers:
            Location:
              description: The notification's status URL (`/v1/notifications/{id}`).
              schema:
                type: string
            IdempotentReplayed:
              description: "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."
              schema:
                type: string
                enum: ["true"]
            RetryAfter:
              description: Seconds to wait before retrying.
              schema:
                type: integer
            WWWAuthenticate:
              description: The authentication scheme to use (`Bearer`).
              schema:
                type: string

          responses:
            BadRequest:
              description: "`malformed-json` or `invalid-idempotency-key`."
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            InvalidParameter:
              description: "`invalid-parameter`: a path or query parameter is malformed."
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            Unauthorized:
              description: "`unauthorized`: missing or unknown API key."
              headers:
                WWW-Authenticate:
                  $ref: "#/components/headers/WWWAuthenticate"
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            NotFound:
              description: "`not-found`: no such notification for this app."
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            IdempotencyRequestInProgress:
              description: "`idempotency-request-in-progress`: retry once the first request has completed."
              headers:
                Retry-After:
                  $ref: "#/components/headers/RetryAfter"
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            RequestTooLarge:
              description: "`request-too-large`: the body exceeds `max_request_bytes`."
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            InternalError:
              description: "`internal-error`."
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
            StoreUnavailable:
              description: "`store-unavailable`: nothing was changed; retry with the same `Idempotency-Key`."
              headers:
                Retry-After:
                  $ref: "#/components/headers/RetryAfter"
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"

          schemas:
            NotificationRequest:
              type: object
              additionalProperties: false
              required: [notification, targets]
              description: |
                A push that only wakes the app (`push_type: background`, or `content_available` with
                nothing visible and no `push_type`) goes at priority `normal` or `low`: APNs refuses
                `high` for it (`422` naming `options.priority`). `ttl: 0` (now or never) is for APNs
                targets only: Huawei, Xiaomi and vivo have no such mode and refuse it (`422` naming
                `options.expiration`, already expired); the schema does not state it, since it
                depends on which vendors the targets name.
              allOf:
                - if:
                    required: [options]
                    properties:
                      options:
                        required: [push_type]
                        properties:
                          push_type:
                            const: background
                  then:
                    properties:
                      options:
                        properties:
                          priority:
                            enum: [normal, low]
                - if:
                    required: [notification, options]
                    properties:
                      notification:
                        required: [content_available]
                        properties:
                          content_available:
                            const: true
                        not:
                          anyOf:
                            - required: [title]
                            - required: [body]
                            - required: [subtitle]
                            - required: [badge]
                            - required: [sound]
                      options:
                        not:
                          required: [push_type]
                  then:
                    properties:
                      options:
                        properties:
                          priority:
                            enum: [normal, low]
              properties:
                notification:
                  $ref: "#/components/schemas/Notification"
                options:
                  $ref: "#/components/schemas/Options"
                overrides:
                  $ref: "#/components/schemas/Overrides"
                targets:
                  type: array
                  minItems: 1
                  maxItems: 1000
                  items:
                    $ref: "#/components/schemas/Target"

            Notification:
              type: object
              description: |
                What to show, in portable terms; each vendor's adapter maps it to its format. Every
                vendor named by the targets must accept it, or the request is `422 validation-failed`
                naming `notification` (or the option at fault). Besides this schema, each vendor has
                limits (in the README): APNs a payload of at most 4096 bytes (5120 for VoIP); Huawei a
                `message` of at most 4,096 bytes; Xiaomi, when there is a title or body, a title that
                is not blank and under 50 characters and a body under 128; vivo both a title and a
                body, the title at most 40 and the body at most 100 counting a CJK character as 2, and
                `data` at most 1,024 characters. They depend on which vendors the targets name and on
                per-vendor character weights, so the schema does not state them.
              additionalProperties: false
              properties:
                title:
                  type: string
                subtitle:
                  type: string
                body:
                  type: string
                badge:
                  type: integer
                  minimum: 0
                  maximum: 2147483647
                sound:
                  oneOf:
                    - type: string
                      minLength: 1
                      description: A sound file name, or `default`.
                    - $ref: "#/components/schemas/Sound"
                    - type: "null"
                      description: No sound, as if `sound` were left out.
                data:
                  type: object
                  description: Custom keys delivered to the app next to the visible part (`aps` is reserved).
                  additionalProperties: true
                  propertyNames:
                    not:
                      const: aps
                category:
                  type: string
                thread_id:
                  type: string
                mutable_content:
                  type: boolean
                  default: false
                content_available:
                  type: boolean
                  default: false
                  description: Wake the app in the background; alone it makes a background push.
                interruption_level:
                  type: string
                  enum: [passive, active, time-sensitive, critical]
                relevance_score:
                  type: number
                  minimum: 0
                  maximum: 1

            Sound:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name:
                  type: string
                  minLength: 1
                critical:
                  type: boolean
                  default: false
                volume:
                  type: number
                  minimum: 0
                  maximum: 1

            Options:
              type: object
              additionalProperties: false
              description: Give `ttl` or `expiration`, not both; without either the app's `default_ttl` applies.
              not:
                required: [ttl, expiration]
              properties:
                priority:
                  type: string
                  enum: [high, normal, low]
                  description: "`high` shows now (APNs 10), `normal` is power-aware (5), `low` never wakes the device (1)."
                ttl:
                  type: integer
                  minimum: 0
                  maximum: 31622400
                  description: |
                    Seconds the vendor may keep trying from acceptance. `0` means now or never, which
                    only APNs offers: with a Huawei, Xiaomi or vivo target it is `422` naming
                    `options.expiration` (already expired).
                expiration:
                  description: |
                    When the notification stops being worth delivering: after acceptance and at most 366
                    days later (like `ttl`); otherwise `422` naming `options.expiration`.
                  oneOf:
                    - type: string
                      format: date-time
                      description: RFC 3339.
                    - type: integer
                      minimum: 0
                      description: Unix seconds.
                collapse_key:
                  type: string
                  minLength: 1
                  maxLength: 64
                  description: |
                    Notifications with the same key replace each other on the device. APNs counts its
                    limit in UTF-8 bytes: at most 64 (a longer one is `422` naming `options.collapse_key`).
                push_type:
                  type: string
                  enum: [alert, background, location, voip, complication, fileprovider, mdm, liveactivity, pushtotalk, widgets, controls]

            Overrides:
              type: object
              additionalProperties: false
              description: |
                Raw per-vendor JSON merged over what the adapter builds for that vendor's targets (an
                override for a vendor no target names is ignored). One key per vendor of this build
                (`Vendor`); another key is `422`. The vendor checks the merged result as it checks
                its own fields, and a target of that vendor makes what it would refuse `422
                validation-failed` naming `notification`: JSON Schema cannot state those checks, which
                depend on the merged result and on which vendors the targets name (each vendor's
                limits are in the README).
              properties:
                apns:
                  type: object
                  description: Merged over the APNs payload, top-level keys one by one, and `aps` key by key.
                huawei:
                  type: object
                  description: |
                    Merged into Huawei's `message` key by key, recursively
                    (`{"android": {"notification": {"image": "https://…"}}}`); `token` is ignored (the
                    targets give the tokens). The result must pass Huawei's checks and stay within
                    4,096 bytes.
                xiaomi:
                  type: object
                  description: |
                    Xiaomi MiPush form fields set over the built ones (`{"extra.sound_uri": "…",
                    "notify_type": 2}`); `registration_id` is ignored (the targets give the regids). A
                    value is a string, an integer (sent as its digits) or a boolean (sent as `1` or
                    `0`). The result must pass Xiaomi's checks (title, description, `notify_type`,
                    `extra.notify_effect`, at most 10 custom `extra.*` keys).
                  additionalProperties:
                    type: [string, integer, boolean]
                vivo:
                  type: object
                  description: |
                    Merged into vivo's content fields key by key, recursively (`{"skipType": 2,
                    "skipContent": "https://…"}`); `appId`, `regId`, `regIds`, `requestId` and
                    `taskId` are ignored. The result must pass vivo's checks (title and content,
                    `notifyType`, `skipType`, `timeToLive`, `classification` and `category`, …).

            Target:
              description: |
                One device: its vendor and the vendor's token for it. The token rules depend on the
                vendor; a token that matches its vendor's rule passes the gateway's check.
              oneOf:
                - $ref: "#/components/schemas/APNsTarget"
                - $ref: "#/components/schemas/HuaweiTarget"
                - $ref: "#/components/schemas/XiaomiTarget"
                - $ref: "#/components/schemas/VivoTarget"
              discriminator:
                propertyName: vendor
                mapping:
                  apns: "#/components/schemas/APNsTarget"
                  huawei: "#/components/schemas/HuaweiTarget"
                  xiaomi: "#/components/schemas/XiaomiTarget"
                  vivo: "#/components/schemas/VivoTarget"

            APNsTarget:
              type: object
              additionalProperties: false
              required: [vendor, token]
              properties:
                vendor:
                  type: string
                  const: apns
                token:
                  type: string
                  description: |
                    The APNs device token: hex, an even number of 32 to 200 digits (64 today; Apple
                    says not to assume a length).
                  pattern: '^(?:[0-9a-fA-F]{2}){16,100}$'
                environment:
                  $ref: "#/components/schemas/Environment"

            HuaweiTarget:
              type: object
              additionalProperties: false
              required: [vendor, token]
              properties:
                vendor:
                  type: string
                  const: huawei
                token:
                  type: string
                  description: The Huawei Push Kit token, 1 to 512 printable ASCII characters without spaces.
                  pattern: '^[!-~]{1,512}$'
                environment:
                  $ref: "#/components/schemas/Environment"

            XiaomiTarget:
              type: object
              additionalProperties: false
              required: [vendor, token]
              properties:
                vendor:
                  type: string
                  const: xiaomi
                token:
                  type: string
                  description: |
                    The Xiaomi regid, 1 to 512 printable ASCII characters without spaces or commas (a
                    comma would split Xiaomi's list of regids).
                  pattern: '^[!-+\--~]{1,512}$'
                environment:
                  $ref: "#/components/schemas/Environment"

            VivoTarget:
              type: object
              additionalProperties: false
              required: [vendor, token]
              properties:
                vendor:
                  type: string
                  const: vivo
                token:
                  type: string
                  description: The vivo regId, 1 to 64 printable ASCII characters without spaces.
                  pattern: '^[!-~]{1,64}$'
                environment:
                  $ref: "#/components/schemas/Environment"

            Vendor:
              type: string
              description: |
                A vendor this build of the gateway sends to (the list grows with each vendor adapter):
                `apns` (Apple Push Notification service), `huawei` (Huawei Push Kit), `xiaomi`
                (Xiaomi MiPush), `vivo` (vivo Push). A target also needs the app to have credentials
                for its vendor: a vendor listed here that the app has no credentials for is `422
                validation-failed` naming `targets[i].vendor`.
              enum: [apns, huawei, xiaomi, vivo]

            Environment:
              type: string
              enum: [production, sandbox]
              default: production
              description: Which of the vendor's environments issued the token (only APNs distinguishes them).

            BatchRequest:
              type: object
              additionalProperties: false
              required: [notifications]
              properties:
                notifications:
                  type: array
                  minItems: 1
                  maxItems: 500
                  items:
                    description: |
                      A `NotificationRequest` object, plus `idempotency_key` (a string of 1–255
                      printable ASCII characters). Each item is validated on its own, so the schema
                      leaves items open: an item that is not a valid request (not an object, a key
                      that is not a string, a field of the wrong type) gets its problem in its
                      result, `400` or `422` as the single request would, not a failed batch.

            BatchResults:
              type: object
              required: [results]
              properties:
                results:
                  type: array
                  items:
                    $ref: "#/components/schemas/BatchResult"

            BatchResult:
              type: object
              required: [status]
              description: |
                `status` 202 with `result` (and `replayed: true` for a repeat of an item's
                `idempotency_key` with the same item), or the status and `problem` the single
                request would have answered.
              properties:
                status:
                  type: integer
                replayed:
                  type: boolean
                result:
                  $ref: "#/components/schemas/Accepted"
                problem:
                  $ref: "#/components/schemas/Problem"

            Accepted:
              type: object
              required: [id, status_url, deliveries]
              properties:
                id:
                  type: string
                  format: uuid
                status_url:
                  type: string
                  description: "`/v1/notifications/{id}`"
                deliveries:
                  type: array
                  description: One per target, in the order of `targets`.
                  items:
                    $ref: "#/components/schemas/AcceptedDelivery"

            AcceptedDelivery:
              type: object
              required: [id, vendor, environment]
              properties:
                id:
                  type: string
                  format: uuid
                  description: The delivery's stable identity (the APNs `apns-id`).
                vendor:
                  $ref: "#/components/schemas/Vendor"
                environment:
                  $ref: "#/components/schemas/Environment"

            NotificationStatus:
              type: object
              required: [id, accepted_at, expires_at, counts, deliveries]
              properties:
                id:
                  type: string
                  format: uuid
                accepted_at:
                  type: string
                  format: date-time
                expires_at:
                  type: [string, "null"]
                  format: date-time
                counts:
                  type: object
                  description: Deliveries per state; states with none are left out.
                  additionalProperties:
                    type: integer
                deliveries:
                  type: array
                  items:
                    $ref: "#/components/schemas/DeliveryStatus"

            DeliveryStatus:
              type: object
              required: [id, vendor, environment, token, state, attempts, ambiguous_attempts, next_attempt_at, updated_at, last_outcome]
              properties:
                id:
                  type: string
                  format: uuid
                vendor:
                  $ref: "#/components/schemas/Vendor"
                environment:
                  $ref: "#/components/schemas/Environment"
                token:
                  type: string
                state:
                  $ref: "#/components/schemas/DeliveryState"
                attempts:
                  type: integer
                  minimum: 0
                ambiguous_attempts:
                  type: integer
                  minimum: 0
                  description: Attempts whose request may have reached the vendor without an answer.
                next_attempt_at:
                  type: [string, "null"]
                  format: date-time
                updated_at:
                  type: string
                  format: date-time
                last_outcome:
                  oneOf:
                    - $ref: "#/components/schemas/LastOutcome"
                    - type: "null"

            DeliveryState:
              type: string
              enum: [queued, sending, delivered, failed, invalid_token, expired, cancelled, ambiguous]
              description: |
                `queued` waits for its first or next attempt; `sending` is being sent; `delivered`,
                `failed`, `invalid_token`, `expired`, `cancelled` and `ambiguous` (attempts spent, the
                last one without an answer) are final.

            LastOutcome:
              type: object
              required: [kind, vendor_status, vendor_reason, stage, at]
              properties:
                kind:
                  type: string
                  enum: [delivered, invalid_token, retryable, auth_refresh, quota_exhausted, permanent, ambiguous]
                vendor_status:
                  type: [integer, "null"]
                  description: The vendor's HTTP status or result code.
                vendor_reason:
                  type: [string, "null"]
                  description: The vendor's reason (`BadDeviceToken`, `Unregistered`, …).
                stage:
                  type: [string, "null"]
                  description: Where a send failed before an answer (`connect`, `proxyConnect`, `awaitingResponse`, …).
                at:
                  type: string
                  format: date-time

            InvalidTokenFeed:
              type: object
              required: [tokens, next_cursor]
              properties:
                tokens:
                  type: array
                  items:
                    $ref: "#/components/schemas/InvalidToken"
                next_cursor:
                  type: integer
                  format: int64
                  description: Pass as `after` for the next page.

            InvalidToken:
              type: object
              required: [cursor, vendor, token, reason, since, reported_at]
              properties:
                cursor:
                  type: integer
                  format: int64
                vendor:
                  $ref: "#/components/schemas/Vendor"
                token:
                  type: string
                reason:
                  type: string
                  description: The vendor's reason (`Unregistered`, `BadDeviceToken`, …).
                since:
                  type: [string, "null"]
                  format: date-time
                  description: When the vendor last knew the token invalid, if it said.
                reported_at:
                  type: string
                  format: date-time

            Status:
              type: object
              required: [status]
              properties:
                status:
                  type: string
                  enum: [ok, ready]

            Problem:
              type: object
              description: RFC 9457 problem details.
              required: [type, title, status, detail]
              properties:
                type:
                  type: string
                  format: uri
                  description: Stable; one of the types listed in the API description.
                  enum:
                    - https://pushgate.dev/problems/malformed-json
                    - https://pushgate.dev/problems/invalid-parameter
                    - https://pushgate.dev/problems/invalid-idempotency-key
                    - https://pushgate.dev/problems/unauthorized
                    - https://pushgate.dev/problems/not-found
                    - https://pushgate.dev/problems/method-not-allowed
                    - https://pushgate.dev/problems/idempotency-request-in-progress
                    - https://pushgate.dev/problems/request-too-large
                    - https://pushgate.dev/problems/validation-failed
                    - https://pushgate.dev/problems/too-many-targets
                    - https://pushgate.dev/problems/too-many-items
                    - https://pushgate.dev/problems/idempotency-key-reused
                    - https://pushgate.dev/problems/internal-error
                    - https://pushgate.dev/problems/store-unavailable
                    - https://pushgate.dev/problems/not-ready
                title:
                  type: string
                  description: Fixed per type.
                status:
                  type: integer
                detail:
                  type: string
                  description: This occurrence, for humans.
                errors:
                  type: array
                  description: Each field at fault (validation and parameter problems).
                  items:
                    $ref: "#/components/schemas/FieldError"
                problems:
                  type: array
                  description: "`not-ready`: what keeps the gateway from serving."
                  items:
                    type: string
                request_id:
                  type: string
                  description: The id the gateway's logs carry for this request.

            FieldError:
              type: object
              required: [field, detail]
              properties:
                field:
                  type: string
                  description: The path of the field in the request (`targets[3].token`, `options.ttl`) or the parameter's name.
                detail:
                  type: string


        """#
}
