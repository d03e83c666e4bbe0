extension APNSSimulator {
    /// Injects `fault` for every request whose device token starts with `tokenPrefix` (compared case-insensitively).
    ///
    /// Faults apply only to requests that pass authentication and validation (so a fault token still needs a valid
    /// JWT), except `refuseStream`, which happens as soon as the headers arrive.
    package struct FaultRule: Sendable, Hashable {
        package var tokenPrefix: String
        package var fault: Fault

        package init(tokenPrefix: String, fault: Fault) {
            self.tokenPrefix = tokenPrefix
            self.fault = fault
        }

        /// The default rules. Prefixes are 8 hex digits, so random device tokens hit them about once in 4 billion:
        ///
        /// | token prefix | fault |
        /// |---|---|
        /// | `41000000` | 410 `Unregistered` (with `timestamp`) |
        /// | `40000000` | 400 `BadDeviceToken` |
        /// | `40000001` | 400 `DeviceTokenNotForTopic` |
        /// | `42900000` | 429 `TooManyRequests` |
        /// | `50000000` | 500 `InternalServerError` |
        /// | `50300000` | 503 `ServiceUnavailable` |
        /// | `50300001` | 503 `Shutdown` |
        /// | `5031a000` | `failFirst`: 503 `ServiceUnavailable` the first time per apns-id, then accepted |
        /// | `de1a0000` | `slow` (accepted after `slowResponseDelay`) |
        /// | `d0d00000` | `dropConnection` |
        /// | `acd00000` | `acceptThenDropConnection` |
        /// | `51100000` | `neverAnswer` |
        /// | `ef000000` | `refuseStream` |
        package static let defaults: [FaultRule] = [
            FaultRule(tokenPrefix: "41000000", fault: .respond(status: 410, reason: "Unregistered")),
            FaultRule(tokenPrefix: "40000000", fault: .respond(status: 400, reason: "BadDeviceToken")),
            FaultRule(tokenPrefix: "40000001", fault: .respond(status: 400, reason: "DeviceTokenNotForTopic")),
            FaultRule(tokenPrefix: "42900000", fault: .respond(status: 429, reason: "TooManyRequests")),
            FaultRule(tokenPrefix: "50000000", fault: .respond(status: 500, reason: "InternalServerError")),
            FaultRule(tokenPrefix: "50300000", fault: .respond(status: 503, reason: "ServiceUnavailable")),
            FaultRule(tokenPrefix: "50300001", fault: .respond(status: 503, reason: "Shutdown")),
            FaultRule(tokenPrefix: "5031a000", fault: .failFirst(times: 1, status: 503, reason: "ServiceUnavailable")),
            FaultRule(tokenPrefix: "de1a0000", fault: .slow),
            FaultRule(tokenPrefix: "d0d00000", fault: .dropConnection),
            FaultRule(tokenPrefix: "acd00000", fault: .acceptThenDropConnection),
            FaultRule(tokenPrefix: "51100000", fault: .neverAnswer),
            FaultRule(tokenPrefix: "ef000000", fault: .refuseStream),
        ]
    }
}
