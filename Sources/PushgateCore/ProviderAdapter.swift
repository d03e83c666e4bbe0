import Logging

/// One vendor's way of sending a delivery. Adapters never throw for a vendor's answer or a
/// transport failure: both become a classified `DeliveryReport`.
public protocol ProviderAdapter: Sendable {
    /// The vendor this adapter sends to.
    var vendor: Vendor { get }

    /// Sends one delivery attempt and classifies what happened.
    func send(_ delivery: Delivery, logger: Logger) async -> DeliveryReport

    /// What the adapter would refuse without sending (token format, payload size, header
    /// limits), so the API can answer 422 before storing; nil when the delivery is sendable.
    func validate(_ delivery: Delivery) -> DeliveryReport?

    /// Closes connections after in-flight sends finish.
    func shutdown() async
}
