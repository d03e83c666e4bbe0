import PushgateCore

extension DeliveryOutcome {
    /// What an exchange that failed at `stage` means for the push: ambiguous once the request
    /// may have reached the vendor, otherwise retryable at that stage (ARCHITECTURE rule 4).
    package static func transportFailure(at stage: FailureStage) -> DeliveryOutcome {
        stage.vendorMayHaveReceived ? .ambiguous(stage: stage) : .retryable(after: nil, stage: stage)
    }
}

extension DeliveryReport {
    /// The same report for each of the `count` deliveries one request carried.
    package static func each(of count: Int, _ outcome: DeliveryOutcome, _ reason: String) -> [DeliveryReport] {
        Array(repeating: DeliveryReport(outcome: outcome, vendorReason: reason), count: count)
    }
}
