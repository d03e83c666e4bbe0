import Logging

/// One vendor's way of sending a delivery. Adapters never throw for a vendor's answer or a
/// transport failure: both become a classified `DeliveryReport`.
public protocol ProviderAdapter: Sendable {
    /// The vendor this adapter sends to.
    var vendor: Vendor { get }

    /// Sends one delivery attempt and classifies what happened.
    func send(_ delivery: Delivery, logger: Logger) async -> DeliveryReport
}
