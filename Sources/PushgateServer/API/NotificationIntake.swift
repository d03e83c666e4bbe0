import Foundation
import Logging
import PushgateCore
import PushgateStore

/// Takes one notification in, for `POST /v1/notifications` and each item of
/// `POST /v1/notifications:batch`: the idempotency key first (409 while its first request is
/// running, the stored 202 for a repeat), then validation, then the store.
///
/// Accepting is all or nothing (ARCHITECTURE rules 1 and 10): every field and every target is
/// validated (by the target vendor's adapter too), and only then is the notification with one
/// delivery per target committed, before its 202 is given. Where the gateway's dispatcher has
/// room, the deliveries are stored leased to it and handed over in memory after the commit.
struct NotificationIntake: Sendable {
    let api: APIContext
    let inFlight: IdempotencyGuard

    enum Result: Sendable {
        /// Stored now: the 202 document, and the notification's id for its status URL.
        case accepted(body: [UInt8], notificationID: UUID)
        /// A repeat of an accepted request with the same key: the stored 202 document.
        case replayed(body: [UInt8])
    }

    /// - Parameters:
    ///   - requestHash: the fingerprint stored with `key`, asked only when there is a key.
    ///   - json: the notification request, parsed only after a replay was ruled out (so a retry
    ///     of an accepted request gets its 202 back even if it would no longer validate).
    func submit(
        app: AppSettings, key: IdempotencyKey?, requestHash: () -> String, logger: Logger,
        json: () throws(ProblemDocument) -> JSONValue
    ) async throws(ProblemDocument) -> Result {
        guard let key else {
            let submission = try self.prepare(try json(), app: app, idempotency: nil)
            return try self.completeOne(submission, await self.store(submission), log: ItemLog(logger))
        }
        try self.beginKey(key, app: app)
        defer { self.inFlight.end(app: app.id, key: key.value) }
        let idempotency: Submission.Idempotency
        switch try await self.lookUp(key, requestHash: requestHash(), app: app, log: ItemLog(logger)) {
        case .replayed(let body): return .replayed(body: body)
        case .new(let new): idempotency = new
        }
        let submission = try self.prepare(try json(), app: app, idempotency: idempotency)
        return try self.completeOne(submission, await self.store(submission), log: ItemLog(logger))
    }

    /// One item of a batch request: its key (or the problem with it), its request and how to
    /// fingerprint it.
    struct BatchItem: Sendable {
        var key: Swift.Result<IdempotencyKey?, ProblemDocument>
        var request: JSONValue
        var requestHash: @Sendable () -> String
    }

    /// `submit` for each item of a batch, in order, with the same answers; the new ones are
    /// handed to the store together (one queueing, usually one transaction) instead of one
    /// store call per item.
    func submit(
        batch items: [BatchItem], app: AppSettings, logger: Logger
    ) async -> [Swift.Result<Result, ProblemDocument>] {
        var results = [Swift.Result<Result, ProblemDocument>?](repeating: nil, count: items.count)
        var begunKeys: [IdempotencyKey] = []
        defer { for key in begunKeys { self.inFlight.end(app: app.id, key: key.value) } }
        // Keys first: each one held (409 if another request holds it), then all looked up
        // at once, as concurrent single requests would be.
        var keyed: [(index: Int, key: IdempotencyKey)] = []
        for (index, item) in items.enumerated() {
            do throws(ProblemDocument) {
                guard let key = try item.key.get() else { continue }
                try self.beginKey(key, app: app)
                begunKeys.append(key)
                keyed.append((index, key))
            } catch {
                results[index] = .failure(error)
            }
        }
        let lookUps = await self.lookUp(keyed, in: items, app: app, logger: logger)

        var submissions: [Submission] = []
        var positions: [Int] = []
        for (index, item) in items.enumerated() where results[index] == nil {
            do throws(ProblemDocument) {
                var idempotency: Submission.Idempotency?
                switch try lookUps[index]?.get() {
                case .replayed(let body)?:
                    results[index] = .success(.replayed(body: body))
                    continue
                case .new(let new)?: idempotency = new
                case nil: break
                }
                submissions.append(try self.prepare(item.request, app: app, idempotency: idempotency))
                positions.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        let stored = await self.api.store.accept(all: submissions)
        // One hand-off for the batch: one wake-up of the dispatcher, not one per item.
        var handOff: [LeasedDelivery] = []
        for ((position, submission), outcome) in zip(zip(positions, submissions), stored) {
            do throws(ProblemDocument) {
                let log = ItemLog(logger, item: position)
                results[position] = .success(try self.complete(submission, outcome, log: log, handOff: &handOff))
            } catch {
                results[position] = .failure(error)
            }
        }
        self.handOff(handOff)
        // Every item got its result above; the fallback only keeps a bug from crashing the gateway.
        return results.map { $0 ?? .failure(ProblemDocument(.internalError, detail: "the item got no result")) }
    }

    // MARK: Steps

    /// The request's logger and, for a batch, the item's index, which is added to the metadata
    /// of what is logged, and only then: a logger per item cost 2% of a batch.
    private struct ItemLog {
        var logger: Logger
        var item: Int?

        init(_ logger: Logger, item: Int? = nil) {
            self.logger = logger
            self.item = item
        }

        func metadata(_ metadata: Logger.Metadata = [:]) -> Logger.Metadata {
            guard let item else { return metadata }
            var metadata = metadata
            metadata["push.batch_item"] = "\(item)"
            return metadata
        }
    }

    /// Marks the key as being processed, or the 409 while another request holds it.
    private func beginKey(_ key: IdempotencyKey, app: AppSettings) throws(ProblemDocument) {
        guard self.inFlight.begin(app: app.id, key: key.value) else {
            throw ProblemDocument(
                .idempotencyRequestInProgress,
                detail: "a request with this Idempotency-Key is still being processed; retry after it completes",
                headers: [.retryAfter: "1"]
            )
        }
    }

    /// `lookUp` for each keyed item of a batch, concurrently: one store round trip each, not
    /// one after the other.
    private func lookUp(
        _ keyed: [(index: Int, key: IdempotencyKey)], in items: [BatchItem], app: AppSettings, logger: Logger
    ) async -> [Int: Swift.Result<KeyLookUp, ProblemDocument>] {
        await withTaskGroup(of: (Int, Swift.Result<KeyLookUp, ProblemDocument>).self) { group in
            for (index, key) in keyed {
                let requestHash = items[index].requestHash
                group.addTask {
                    do throws(ProblemDocument) {
                        let log = ItemLog(logger, item: index)
                        return (
                            index, .success(try await self.lookUp(key, requestHash: requestHash(), app: app, log: log))
                        )
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var found: [Int: Swift.Result<KeyLookUp, ProblemDocument>] = [:]
            for await (index, result) in group { found[index] = result }
            return found
        }
    }

    private enum KeyLookUp: Sendable {
        case replayed([UInt8])
        case new(Submission.Idempotency)
    }

    /// The stored 202 for a repeat of an accepted request, the 422 for a key reused with
    /// another request, or what to store with a new one.
    private func lookUp(
        _ key: IdempotencyKey, requestHash: String, app: AppSettings, log: ItemLog
    ) async throws(ProblemDocument) -> KeyLookUp {
        let idempotency = Submission.Idempotency(
            key: key.value,
            requestHash: requestHash,
            validSince: self.api.clock.now() - self.api.limits.idempotencyWindow
        )
        let stored: IdempotencyRecord?
        do {
            stored = try await self.api.store.idempotencyRecord(
                appID: app.id, key: idempotency.key, validSince: idempotency.validSince)
        } catch {
            log.logger.error(
                "store could not look up the idempotency key", metadata: log.metadata(["error": "\(error)"]))
            throw ProblemDocument.storeUnavailable(error)
        }
        guard let stored else { return .new(idempotency) }
        guard stored.requestHash == idempotency.requestHash else { throw Self.keyReused() }
        log.logger.debug("idempotent replay", metadata: log.metadata())
        return .replayed(stored.response)
    }

    /// Validates the request and builds what the store commits: ids minted, the 202 document
    /// written and, where the gateway's dispatcher has room, the deliveries leased to it.
    private func prepare(
        _ json: JSONValue, app: AppSettings, idempotency: Submission.Idempotency?
    ) throws(ProblemDocument) -> Submission {
        let acceptedAt = self.api.clock.now()
        let parsed = try NotificationRequest.parse(
            json, maxTargets: self.api.limits.maxTargets, knownVendors: self.api.knownVendors, now: acceptedAt)
        let expiresAt = parsed.expiresAt(acceptedAt: acceptedAt, defaultTTL: app.defaultTTL)
        let targets = try self.validateTargets(parsed, app: app, expiresAt: expiresAt)

        let notificationID = UUID.timeOrdered()
        var submission = Submission(
            notificationID: notificationID,
            appID: app.id,
            notification: parsed.notification,
            targets: targets,
            acceptedAt: acceptedAt,
            expiresAt: expiresAt,
            idempotency: idempotency,
            responseBody: AcceptedDocument.body(notificationID: notificationID, targets: targets)
        )
        // Hand-off after commit: stored leased to this gateway's dispatcher, which gets it in memory.
        submission.lease = self.api.dispatcher?.reserveHandOff(
            count: targets.count, lanes: targets.lazy.map { Lane(appID: app.id, target: $0.device) })
        return submission
    }

    private func store(_ submission: Submission) async -> Swift.Result<AcceptResult, any Error> {
        do {
            return .success(try await self.api.store.accept(submission))
        } catch {
            return .failure(error)
        }
    }

    /// `complete` for a single request, and its hand-off.
    private func completeOne(
        _ submission: Submission, _ stored: Swift.Result<AcceptResult, any Error>, log: ItemLog
    ) throws(ProblemDocument) -> Result {
        var handOff: [LeasedDelivery] = []
        let result = try self.complete(submission, stored, log: log, handOff: &handOff)
        self.handOff(handOff)
        return result
    }

    private func handOff(_ deliveries: [LeasedDelivery]) {
        if !deliveries.isEmpty { self.api.dispatcher?.handOff(deliveries) }
    }

    /// After the store answered: the reservation of a hand-off returned, or its deliveries
    /// added to `handOff` for the caller to hand over, and the answer.
    private func complete(
        _ submission: Submission, _ stored: Swift.Result<AcceptResult, any Error>, log: ItemLog,
        handOff: inout [LeasedDelivery]
    ) throws(ProblemDocument) -> Result {
        let dispatcher = self.api.dispatcher
        let count = submission.targets.count
        let result: AcceptResult
        switch stored {
        case .success(let value):
            result = value
        case .failure(let error):
            if submission.lease != nil { dispatcher?.cancelHandOff(count: count) }
            log.logger.error("store refused the submission", metadata: log.metadata(["error": "\(error)"]))
            throw ProblemDocument.storeUnavailable(error)
        }
        if submission.lease != nil {
            if result == .accepted {
                handOff += submission.leasedDeliveries
            } else {
                dispatcher?.cancelHandOff(count: count)
            }
        }

        switch result {
        case .accepted:
            self.api.metrics.accepted(deliveries: count)
            let notificationID = submission.notificationID
            log.logger.debug(
                "notification accepted",
                metadata: log.metadata([
                    "push.notification_id": "\(notificationID.lowercasedString)", "push.deliveries": "\(count)",
                ])
            )
            return .accepted(body: submission.responseBody, notificationID: notificationID)
        case .replay(let storedBody):
            log.logger.debug("idempotent replay", metadata: log.metadata())
            return .replayed(body: storedBody)
        case .keyReuseMismatch:
            throw Self.keyReused()
        }
    }

    static func keyReused() -> ProblemDocument {
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
            let deliveryID = UUID.timeOrdered()
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
}
