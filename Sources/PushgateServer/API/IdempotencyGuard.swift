import NIOConcurrencyHelpers

/// The `(app, Idempotency-Key)` pairs whose first request this process is still handling.
///
/// The store makes a key's first request win across processes, but only once it commits; a
/// second request arriving before then would be validated and raced into the store. The
/// draft (httpapi-idempotency-key §2.6) asks for 409 in that window, so each request holds its
/// pair here from before validation until its response is decided, success or not.
final class IdempotencyGuard: Sendable {
    private struct Entry: Hashable, Sendable {
        var app: String
        var key: String
    }

    private let inFlight = NIOLockedValueBox<Set<Entry>>([])

    init() {}

    /// Claims the pair; false when another request holds it.
    func begin(app: String, key: String) -> Bool {
        self.inFlight.withLockedValue { $0.insert(Entry(app: app, key: key)).inserted }
    }

    /// Gives the pair back.
    func end(app: String, key: String) {
        _ = self.inFlight.withLockedValue { $0.remove(Entry(app: app, key: key)) }
    }

    /// How many pairs are held (for tests).
    var count: Int { self.inFlight.withLockedValue { $0.count } }
}
