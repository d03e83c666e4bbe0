import Hummingbird
import Logging
import NIOCore
import PushgateCore

/// `POST /v1/notifications:batch`: up to `maxBatchItems` notifications in one request, for
/// backends that send millions. Each item is the body of a `POST /v1/notifications`, plus an
/// optional `idempotency_key` of its own, and is taken in exactly as that request would be
/// (`NotificationIntake`): the answer is `200` with one result per item, in order — the item's
/// 202 document or its problem document. The request fails as a whole only for its API key,
/// its size or its syntax. The new items are handed to the store together
/// (`DeliveryStore.accept(all:)`), usually one transaction and one fsync for the batch.
struct BatchNotificationRoutes: Sendable {
    let api: APIContext
    let inFlight: IdempotencyGuard

    static let path: RouterPath = "/v1/notifications:batch"
    static let itemKeyField = "idempotency_key"

    func register(on router: Router<BasicRequestContext>) {
        router.post(Self.path) { request, context in
            try await self.create(request, context: context)
        }
    }

    func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let app = try self.api.authenticate(request)
        var logger = context.logger
        logger[metadataKey: "push.app"] = "\(app.id)"
        if request.headers[NotificationRoutes.idempotencyKeyHeader] != nil {
            throw ProblemDocument(
                .invalidIdempotencyKey,
                detail: "a batch takes an idempotency_key per item, not an Idempotency-Key header")
        }
        let body = try await NotificationRoutes.readBody(request, limit: self.api.limits.maxBatchRequestBytes)
        let items = try self.items(body)

        let intake = NotificationIntake(api: self.api, inFlight: self.inFlight)
        let results = await intake.submit(batch: items, app: app, logger: logger).map(Self.result)
        var json = JSONOutput(capacity: results.reduce(32) { $0 + $1.count + 1 })
        json.beginObject()
        json.key("results")
        json.beginArray()
        for result in results { json.raw(result) }
        json.endArray()
        json.endObject()
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    /// The items, or the problem that fails the whole request (not JSON, not
    /// `{"notifications": [...]}`, no items or too many).
    private func items(_ body: [UInt8]) throws(ProblemDocument) -> [NotificationIntake.BatchItem] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw ProblemDocument(.malformedJSON, detail: "the body is not valid JSON: \(error)")
        }
        var reader = FieldReader()
        guard let root = reader.object(json, at: "", allowed: ["notifications"]), reader.errors.isEmpty else {
            throw ProblemDocument.validation(reader.errors)
        }
        guard case .array(let elements)? = root["notifications"] else {
            throw ProblemDocument.validation([.init(field: "notifications", detail: "required: an array")])
        }
        let limit = self.api.limits.maxBatchItems
        guard (1...limit).contains(elements.count) else {
            throw ProblemDocument(
                .tooManyItems,
                detail: "a batch holds 1 to \(limit) notifications, got \(elements.count)",
                errors: [.init(field: "notifications", detail: "1 to \(limit) items, got \(elements.count)")])
        }
        return elements.map(Self.item)
    }

    private static func item(_ element: JSONValue) -> NotificationIntake.BatchItem {
        // Without a key the item is the request as it is: no copy of its members.
        guard case .object(var members) = element, members[Self.itemKeyField] != nil else {
            // Not an object: left to the notification request's own validation ("must be an object").
            return .init(key: .success(nil), request: element, requestHash: { Self.fingerprint(element) })
        }
        let key: Result<IdempotencyKey?, ProblemDocument>
        switch members.removeValue(forKey: Self.itemKeyField) {
        case nil, .null?:
            key = .success(nil)
        case .string(let text)?:
            if let parsed = IdempotencyKey(header: text) {
                key = .success(parsed)
            } else {
                key = .failure(
                    ProblemDocument(
                        .invalidIdempotencyKey,
                        detail: "idempotency_key must be 1 to \(IdempotencyKey.maxLength) printable ASCII characters"))
            }
        default:
            key = .failure(ProblemDocument(.invalidIdempotencyKey, detail: "idempotency_key must be a string"))
        }
        let request = JSONValue.object(members)
        return .init(key: key, request: request, requestHash: { Self.fingerprint(request) })
    }

    /// `{"status": 202, "result": <202 document>}` (with `"replayed": true` for a repeat), or
    /// `{"status": 4xx/5xx, "problem": <problem document>}`.
    private static func result(_ outcome: Result<NotificationIntake.Result, ProblemDocument>) -> [UInt8] {
        return JSONOutput.object { json in
            switch outcome {
            case .success(.accepted(let body, _)):
                json.member("status", 202)
                json.key("result")
                json.raw(body)
            case .success(.replayed(let body)):
                json.member("status", 202)
                json.member("replayed", true)
                json.key("result")
                json.raw(body)
            case .failure(let problem):
                json.member("status", problem.kind.status)
                json.key("problem")
                json.raw(problem.body(requestID: nil))
            }
        }
    }

    /// An item's request fingerprint: SHA-256 of its canonical JSON (keys sorted, compact), so
    /// that a retried batch matches however the client orders an item's keys.
    static func fingerprint(_ request: JSONValue) -> String {
        var bytes: [UInt8] = []
        // Only non-finite numbers fail, and the parser never produces them.
        try? JSONWriter.write(request, into: &bytes, sortingKeys: true)
        return IdempotencyKey.fingerprint(bytes)
    }
}
