import Hummingbird
import NIOCore
import PushgateCore
import PushgateStore

/// An API error as an RFC 9457 problem document (`application/problem+json`). Every error the
/// API returns is one (ARCHITECTURE rule 10); routes throw it and `APIMiddleware` renders it.
///
/// `type` is a stable URI clients may switch on; `title` is fixed per type; `detail` explains
/// this occurrence; validation problems list each field at fault in `errors`.
package struct ProblemDocument: Error, Sendable, Hashable {
    /// One problem type: its URI, title and status never change once published.
    package struct Kind: Sendable, Hashable {
        /// The last path segment of the type URI.
        package var slug: String
        package var title: String
        package var status: Int

        package var typeURI: String { ProblemDocument.typeBase + self.slug }

        package static let unauthorized = Kind(
            slug: "unauthorized", title: "Missing or unknown API key", status: 401)
        package static let malformedJSON = Kind(
            slug: "malformed-json", title: "The request body is not valid JSON", status: 400)
        package static let invalidParameter = Kind(
            slug: "invalid-parameter", title: "A path or query parameter is invalid", status: 400)
        package static let invalidIdempotencyKey = Kind(
            slug: "invalid-idempotency-key", title: "The Idempotency-Key header is invalid", status: 400)
        package static let notFound = Kind(
            slug: "not-found", title: "Not found", status: 404)
        package static let methodNotAllowed = Kind(
            slug: "method-not-allowed", title: "The method is not allowed on this resource", status: 405)
        package static let idempotencyRequestInProgress = Kind(
            slug: "idempotency-request-in-progress",
            title: "A request with this Idempotency-Key is still being processed", status: 409)
        package static let requestTooLarge = Kind(
            slug: "request-too-large", title: "The request body is too large", status: 413)
        package static let validationFailed = Kind(
            slug: "validation-failed", title: "The request is not valid", status: 422)
        package static let tooManyTargets = Kind(
            slug: "too-many-targets", title: "Too many targets in one request", status: 422)
        package static let tooManyItems = Kind(
            slug: "too-many-items", title: "Too many or no notifications in one batch", status: 422)
        package static let idempotencyKeyReused = Kind(
            slug: "idempotency-key-reused",
            title: "The Idempotency-Key was used with a different request", status: 422)
        package static let internalError = Kind(
            slug: "internal-error", title: "Internal server error", status: 500)
        package static let storeUnavailable = Kind(
            slug: "store-unavailable", title: "The store is unavailable", status: 503)
        package static let notReady = Kind(
            slug: "not-ready", title: "The gateway is not ready", status: 503)

        /// Every published type, for the OpenAPI document's test.
        package static let all: [Kind] = [
            .unauthorized, .malformedJSON, .invalidParameter, .invalidIdempotencyKey, .notFound,
            .methodNotAllowed, .idempotencyRequestInProgress, .requestTooLarge, .validationFailed,
            .tooManyTargets, .tooManyItems, .idempotencyKeyReused, .internalError, .storeUnavailable, .notReady,
        ]
    }

    /// One field at fault, named by its path in the request (`targets[3].token`,
    /// `options.ttl`) or by the parameter's name.
    package struct FieldError: Sendable, Hashable {
        package var field: String
        package var detail: String

        package init(field: String, detail: String) {
            self.field = field
            self.detail = detail
        }
    }

    package static let typeBase = "https://pushgate.dev/problems/"
    package static let contentType = "application/problem+json"

    package var kind: Kind
    package var detail: String
    package var errors: [FieldError]
    /// `problems` member of `not-ready`: what keeps the gateway from serving.
    package var problems: [String]
    /// Headers the response carries besides the content type (`WWW-Authenticate`, `Retry-After`).
    package var headers: HTTPFields

    package init(
        _ kind: Kind, detail: String, errors: [FieldError] = [], problems: [String] = [], headers: HTTPFields = [:]
    ) {
        self.kind = kind
        self.detail = detail
        self.errors = errors
        self.problems = problems
        self.headers = headers
    }

    /// The document's JSON; `requestID` lets a caller quote the id our logs carry.
    func body(requestID: String?) -> [UInt8] {
        JSONOutput.object { json in
            json.member("type", self.kind.typeURI)
            json.member("title", self.kind.title)
            json.member("status", self.kind.status)
            json.member("detail", self.detail)
            if !self.errors.isEmpty {
                json.key("errors")
                json.beginArray()
                for error in self.errors {
                    json.beginObject()
                    json.member("field", error.field)
                    json.member("detail", error.detail)
                    json.endObject()
                }
                json.endArray()
            }
            if !self.problems.isEmpty {
                json.key("problems")
                json.beginArray()
                for problem in self.problems { json.string(problem) }
                json.endArray()
            }
            if let requestID { json.member("request_id", requestID) }
        }
    }

    func response(requestID: String?) -> Response {
        var headers = self.headers
        headers[.contentType] = Self.contentType
        // Problems describe this request only: caches must not reuse them.
        headers[.cacheControl] = "no-store"
        return Response(
            status: .init(code: self.kind.status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: self.body(requestID: requestID)))
        )
    }
}

extension ProblemDocument: HTTPResponseError {
    package var status: HTTPResponse.Status { .init(code: self.kind.status) }

    /// Renders the document if it escapes `APIMiddleware` (it should not).
    package func response(from request: Request, context: some RequestContext) throws -> Response {
        self.response(requestID: context.logger[metadataKey: "hb.request.id"]?.description)
    }
}

// MARK: Common problems

extension ProblemDocument {
    static func validation(_ errors: [FieldError]) -> ProblemDocument {
        let detail: String
        if errors.count == 1, let error = errors.first {
            detail = "\(error.field): \(error.detail)"
        } else {
            detail = "\(errors.count) fields are invalid; see errors"
        }
        return ProblemDocument(.validationFailed, detail: detail, errors: errors)
    }

    static func invalidParameter(_ name: String, _ detail: String) -> ProblemDocument {
        ProblemDocument(
            .invalidParameter, detail: "\(name): \(detail)", errors: [FieldError(field: name, detail: detail)])
    }

    static func notFound(_ detail: String) -> ProblemDocument {
        ProblemDocument(.notFound, detail: detail)
    }

    /// RFC 9110 §15.5.6: a 405 names the methods the resource has in `Allow`.
    static func methodNotAllowed(_ method: HTTPRequest.Method, route: APIRouteTable.Route) -> ProblemDocument {
        let allow = APIRouteTable.allowHeader(for: route)
        return ProblemDocument(
            .methodNotAllowed,
            detail: "\(route.path) does not accept \(method.rawValue); it accepts \(allow)",
            headers: [.allow: allow]
        )
    }

    static var unauthorized: ProblemDocument {
        // RFC 6750 §3: the challenge names the scheme; no error code when no key was sent.
        ProblemDocument(
            .unauthorized,
            detail: "send an app's API key as 'Authorization: Bearer <key>'",
            headers: [.wwwAuthenticate: "Bearer realm=\"pushgate\""]
        )
    }

    /// 503 for a store failure, with a `Retry-After` that fits its cause.
    static func storeUnavailable(_ error: any Error) -> ProblemDocument {
        let (detail, retryAfter): (String, String) =
            switch (error as? StoreError)?.code {
            case .overloaded?:
                ("the store has more work queued than it takes; nothing was changed, retry shortly", "1")
            case .diskFull?:
                ("the store's disk is full; nothing was changed, retry later", "30")
            default:
                ("the store could not be reached; nothing was changed, retry later", "1")
            }
        return ProblemDocument(.storeUnavailable, detail: detail, headers: [.retryAfter: retryAfter])
    }
}
