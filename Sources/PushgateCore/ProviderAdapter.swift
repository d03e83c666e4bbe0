import Logging

/// One vendor's way of sending deliveries. Adapters never throw for a vendor's answer or a
/// transport failure: both become a classified `DeliveryReport`.
package protocol ProviderAdapter: Sendable {
    /// The vendor this adapter sends to.
    var vendor: Vendor { get }

    /// The most deliveries one `send` carries (APNs: 1; vendors with multi-token requests: their limit).
    var maxBatchSize: Int { get }

    /// The longest one `send` can take, queueing and retries inside the adapter included. The
    /// dispatcher's lease must be longer, or a slow send would be leased again and sent twice.
    var longestSend: Duration { get }

    /// Sends one attempt of each delivery and classifies what happened: one report per delivery,
    /// in order. The deliveries belong to one notification and one lane (same app, vendor and
    /// environment, so the same payload) and number at most `maxBatchSize`. A vendor answer that
    /// names some tokens as bad becomes per-delivery outcomes.
    func send(_ deliveries: [Delivery], logger: Logger) async -> [DeliveryReport]

    /// What the adapter would refuse without sending (token format, payload size, header
    /// limits), so the API can answer 422 before storing; nil when the delivery is sendable.
    func validate(_ delivery: Delivery) -> DeliveryReport?

    /// Closes connections after in-flight sends finish. Called once, by the adapter's owner
    /// (the gateway's provider router), at shutdown.
    func shutdown() async
}

extension ProviderAdapter {
    /// Sends a single delivery: a batch of one.
    package func send(_ delivery: Delivery, logger: Logger) async -> DeliveryReport {
        let reports = await self.send([delivery], logger: logger)
        return reports.first ?? DeliveryReport(outcome: .permanent(reason: .adapterReportMismatch))
    }
}
