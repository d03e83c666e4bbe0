import Foundation
import Hummingbird
import Logging
import NIOCore
import PushgateCore
import PushgateStore

/// `POST /v1/notifications`, `GET /v1/notifications/{id}`, `POST /v1/notifications/{id}/cancel`
/// (and `DELETE /v1/notifications/{id}`, its older spelling).
///
/// Accepting is `NotificationIntake`'s job: all or nothing, committed before the 202.
struct NotificationRoutes: Sendable {
    let api: APIContext
    let inFlight: IdempotencyGuard

    static let collectionPath: RouterPath = "/v1/notifications"
    static let itemPath: RouterPath = "/v1/notifications/{id}"
    static let cancelPath: RouterPath = "/v1/notifications/{id}/cancel"

    func register(on router: Router<BasicRequestContext>) {
        router.post(Self.collectionPath) { request, context in
            try await self.create(request, context: context)
        }
        router.get(Self.itemPath) { request, context in
            try await self.show(request, context: context)
        }
        // Cancelling keeps the notification (GET shows its deliveries `cancelled`), so it is an
        // action on the resource, not its deletion. DELETE, the first spelling, stays for the
        // clients that use it; the document marks it deprecated.
        router.post(Self.cancelPath) { request, context in
            try await self.cancel(request, context: context)
        }
        router.delete(Self.itemPath) { request, context in
            try await self.cancel(request, context: context)
        }
    }

    // MARK: POST /v1/notifications

    func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let app = try self.api.authenticate(request)
        var logger = context.logger
        logger[metadataKey: "push.app"] = "\(app.id)"

        let key = try Self.idempotencyKey(request)
        let body = try await Self.readBody(request, limit: self.api.limits.maxRequestBytes)
        let intake = NotificationIntake(api: self.api, inFlight: self.inFlight)
        let result = try await intake.submit(
            app: app, key: key, requestHash: { IdempotencyKey.fingerprint(body) }, logger: logger
        ) { () throws(ProblemDocument) -> JSONValue in
            do {
                return try JSONParser.parse(body)
            } catch {
                throw ProblemDocument(.malformedJSON, detail: "the body is not valid JSON: \(error)")
            }
        }
        switch result {
        case .accepted(let body, let notificationID):
            return Self.accepted(
                body: body, location: AcceptedDocument.statusURL(notificationID: notificationID), replayed: false)
        case .replayed(let body):
            return Self.accepted(body: body, location: AcceptedDocument.statusURL(inStoredBody: body), replayed: true)
        }
    }

    private static func accepted(body: [UInt8], location: String?, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let location { headers[.location] = location }
        if replayed { headers[Self.idempotentReplayedHeader] = "true" }
        return Response(status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: GET /v1/notifications/{id}, POST …/cancel (DELETE)

    func show(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let app = try self.api.authenticate(request)
        let id = try Self.notificationID(context)
        let stored: StoredNotification?
        do {
            stored = try await self.api.store.notification(id: id, appID: app.id)
        } catch {
            context.logger.error("store read failed", metadata: ["push.app": "\(app.id)", "error": "\(error)"])
            throw ProblemDocument.storeUnavailable(error)
        }
        return try Self.statusResponse(stored, id: id)
    }

    func cancel(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let app = try self.api.authenticate(request)
        let id = try Self.notificationID(context)
        let stored: StoredNotification?
        do {
            stored = try await self.api.store.cancel(notificationID: id, appID: app.id, now: self.api.clock.now())
        } catch {
            context.logger.error("store cancel failed", metadata: ["push.app": "\(app.id)", "error": "\(error)"])
            throw ProblemDocument.storeUnavailable(error)
        }
        if stored != nil {
            context.logger.debug(
                "notification cancelled",
                metadata: ["push.app": "\(app.id)", "push.notification_id": "\(id.lowercasedString)"])
        }
        return try Self.statusResponse(stored, id: id)
    }

    /// Another app's notification is reported exactly like a missing one: ids are not secrets,
    /// but whether one exists for someone else is none of the caller's business.
    private static func statusResponse(_ stored: StoredNotification?, id: UUID) throws(ProblemDocument) -> Response {
        guard let stored else {
            throw ProblemDocument.notFound("no notification \(id.lowercasedString) for this app")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: NotificationStatusDocument.body(stored)))
        )
    }

    private static func notificationID(_ context: BasicRequestContext) throws(ProblemDocument) -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw ProblemDocument.invalidParameter("id", "must be a notification id (a UUID)")
        }
        return id
    }

    // MARK: Request parts

    // Constant, valid field names: `HTTPField.Name.init` fails only on characters a token may
    // not hold, so these unwraps cannot fail.
    static let idempotencyKeyHeader = HTTPFields.Element.Name("Idempotency-Key")!
    static let idempotentReplayedHeader = HTTPFields.Element.Name("Idempotent-Replayed")!

    /// The request's `Idempotency-Key`, nil without one, or the 400 problem.
    static func idempotencyKey(_ request: Request) throws(ProblemDocument) -> IdempotencyKey? {
        let values = request.headers[values: Self.idempotencyKeyHeader]
        guard let first = values.first else { return nil }
        guard values.count == 1 else {
            throw ProblemDocument(
                .invalidIdempotencyKey, detail: "send one Idempotency-Key header, not \(values.count)")
        }
        guard let key = IdempotencyKey(header: first) else {
            throw ProblemDocument(
                .invalidIdempotencyKey,
                detail: "the Idempotency-Key must be 1 to \(IdempotencyKey.maxLength) printable ASCII characters"
            )
        }
        return key
    }

    /// The whole body, or 413 as soon as it is known to exceed `limit` (from `Content-Length`
    /// before reading anything, or while reading a chunked body).
    static func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        let tooLarge = ProblemDocument(
            .requestTooLarge, detail: "the request body exceeds \(limit) bytes; send fewer targets per request")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        return Array(buffer.readableBytesView)
    }
}
