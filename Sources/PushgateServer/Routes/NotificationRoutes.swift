import Foundation
import Hummingbird
import Logging
import NIOCore
import PushgateCore
import PushgateStore

/// `POST /v1/notifications`, `GET /v1/notifications/{id}`, `POST /v1/notifications/{id}/cancel`
/// (and `DELETE /v1/notifications/{id}`, its older spelling).
///
/// Accepting is all or nothing (ARCHITECTURE rules 1 and 10): the body is parsed, every field
/// and every target is validated (by the target vendor's adapter too), and only then is the
/// notification with one delivery per target committed, before 202 is sent.
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

        guard let key else {
            return try await self.accept(body: body, app: app, idempotency: nil, logger: logger)
        }
        guard self.inFlight.begin(app: app.id, key: key.value) else {
            throw ProblemDocument(
                .idempotencyRequestInProgress,
                detail: "a request with this Idempotency-Key is still being processed; retry after it completes",
                headers: [.retryAfter: "1"]
            )
        }
        defer { self.inFlight.end(app: app.id, key: key.value) }
        let idempotency = Submission.Idempotency(
            key: key.value,
            requestHash: IdempotencyKey.fingerprint(body),
            validSince: self.api.clock.now() - self.api.limits.idempotencyWindow
        )
        // Replay first: a retry of an accepted request gets its 202 back even if the request
        // would no longer validate (its expiration passed, the vendor was removed since).
        let stored: IdempotencyRecord?
        do {
            stored = try await self.api.store.idempotencyRecord(
                appID: app.id, key: idempotency.key, validSince: idempotency.validSince)
        } catch {
            logger.error("store could not look up the idempotency key", metadata: ["error": "\(error)"])
            throw ProblemDocument.storeUnavailable(error)
        }
        if let stored {
            guard stored.requestHash == idempotency.requestHash else { throw Self.keyReused() }
            return Self.replayed(stored.response, logger: logger)
        }
        return try await self.accept(body: body, app: app, idempotency: idempotency, logger: logger)
    }

    private func accept(
        body: [UInt8], app: AppSettings, idempotency: Submission.Idempotency?, logger: Logger
    ) async throws -> Response {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw ProblemDocument(.malformedJSON, detail: "the body is not valid JSON: \(error)")
        }
        let acceptedAt = self.api.clock.now()
        let parsed = try NotificationRequest.parse(
            json, maxTargets: self.api.limits.maxTargets, knownVendors: self.api.knownVendors, now: acceptedAt)
        let expiresAt = parsed.expiresAt(acceptedAt: acceptedAt, defaultTTL: app.defaultTTL)
        let targets = try self.validateTargets(parsed, app: app, expiresAt: expiresAt)

        let notificationID = UUID()
        let statusURL = AcceptedDocument.statusURL(notificationID: notificationID)
        let submission = Submission(
            notificationID: notificationID,
            appID: app.id,
            notification: parsed.notification,
            targets: targets,
            acceptedAt: acceptedAt,
            expiresAt: expiresAt,
            idempotency: idempotency,
            responseBody: AcceptedDocument.body(notificationID: notificationID, targets: targets)
        )

        let result: AcceptResult
        do {
            result = try await self.api.store.accept(submission)
        } catch {
            logger.error("store refused the submission", metadata: ["error": "\(error)"])
            throw ProblemDocument.storeUnavailable(error)
        }

        switch result {
        case .accepted:
            self.api.metrics.accepted(deliveries: targets.count)
            logger.debug(
                "notification accepted",
                metadata: [
                    "push.notification_id": "\(notificationID.lowercasedString)", "push.deliveries": "\(targets.count)",
                ]
            )
            return Self.accepted(body: submission.responseBody, location: statusURL, replayed: false)
        case .replay(let storedBody):
            return Self.replayed(storedBody, logger: logger)
        case .keyReuseMismatch:
            throw Self.keyReused()
        }
    }

    /// The stored 202 of an earlier request with the same Idempotency-Key and body.
    private static func replayed(_ storedBody: [UInt8], logger: Logger) -> Response {
        logger.debug("idempotent replay")
        return Self.accepted(
            body: storedBody, location: AcceptedDocument.statusURL(inStoredBody: storedBody), replayed: true)
    }

    private static func keyReused() -> ProblemDocument {
        ProblemDocument(
            .idempotencyKeyReused,
            detail:
                "this Idempotency-Key was already used with a different request body; use a new key for a new request"
        )
    }

    /// Mints one delivery id per target (in order) and asks each target's adapter whether it
    /// would send it: every problem is collected, each once, so the caller fixes all at once.
    private func validateTargets(
        _ parsed: NotificationRequest, app: AppSettings, expiresAt: Date
    ) throws(ProblemDocument) -> [Submission.Target] {
        var errors: [ProblemDocument.FieldError] = []
        var reported = Set<ProblemDocument.FieldError>()
        var targets: [Submission.Target] = []
        targets.reserveCapacity(parsed.targets.count)
        for (index, device) in parsed.targets.enumerated() {
            let deliveryID = UUID()
            targets.append(Submission.Target(deliveryID: deliveryID, device: device))
            guard let adapter = self.api.router.adapter(app: app.id, vendor: device.vendor) else {
                let configured = self.api.router.vendors(app: app.id).map(\.rawValue).sorted().joined(separator: ", ")
                errors.append(
                    .init(
                        field: "targets[\(index)].vendor",
                        detail:
                            "app \(app.id) has no credentials for vendor \(device.vendor.rawValue) (configured: \(configured.isEmpty ? "none" : configured))"
                    ))
                continue
            }
            let delivery = Delivery(
                id: deliveryID, notification: parsed.notification, target: device, expiresAt: expiresAt)
            if let report = adapter.validate(delivery) {
                let error = Self.fieldError(for: report, vendor: device.vendor, targetIndex: index)
                if reported.insert(error).inserted { errors.append(error) }
            }
        }
        guard errors.isEmpty else { throw ProblemDocument.validation(errors) }
        return targets
    }

    /// The field a vendor's local rejection points at. A token problem belongs to its target;
    /// everything else is about the notification or an option shared by all targets.
    static func fieldError(for report: DeliveryReport, vendor: Vendor, targetIndex: Int) -> ProblemDocument.FieldError {
        let reasonText = report.vendorReason.map { " (\($0))" } ?? ""
        switch report.outcome {
        case .invalidToken:
            return .init(
                field: "targets[\(targetIndex)].token",
                detail: "not a valid \(vendor.rawValue) device token\(reasonText)")
        case .permanent(let reason):
            switch reason.rawValue {
            case OutcomeReason.payloadTooLarge.rawValue:
                return .init(
                    field: "notification",
                    detail: "the \(vendor.rawValue) payload would exceed its size limit\(reasonText)")
            case OutcomeReason.invalidCollapseKey.rawValue:
                return .init(field: "options.collapse_key", detail: "too long for \(vendor.rawValue)\(reasonText)")
            case OutcomeReason.invalidPriority.rawValue:
                return .init(
                    field: "options.priority",
                    detail: "not allowed for this push type by \(vendor.rawValue)\(reasonText)")
            case OutcomeReason.expired.rawValue:
                return .init(field: "options.expiration", detail: "already expired\(reasonText)")
            default:
                return .init(
                    field: "notification", detail: "\(vendor.rawValue) would reject it: \(reason.rawValue)\(reasonText)"
                )
            }
        default:
            return .init(field: "targets[\(targetIndex)]", detail: "\(vendor.rawValue) would reject it\(reasonText)")
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
