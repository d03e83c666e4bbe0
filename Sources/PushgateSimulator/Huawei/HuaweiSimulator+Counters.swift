extension HuaweiSimulator {
    /// What the simulator has seen since it started or was last reset; JSON keys are snake_case.
    package struct Counters: Sendable, Codable, Equatable {
        /// Access tokens issued.
        package var tokenGrants = 0
        /// Token requests answered with an error (bad request, bad credentials, flow control).
        package var tokenGrantRejections = 0
        /// Send requests received, whatever their outcome (validate-only ones included).
        package var requests = 0
        /// Send requests answered 80000000 or 80100000, validate-only ones excluded.
        package var messagesAccepted = 0
        /// Device tokens accepted (the illegal ones of a partial success excluded).
        package var tokensAccepted = 0
        /// Device token → times accepted.
        package var acceptedPerToken: [String: Int] = [:]
        /// Acceptances of a (device token, identity) pair already accepted; the identity is
        /// `android.notification.tag`, else `android.notification.notify_id` (messages with neither have none).
        package var duplicates = 0
        /// Result code → count for every rejected send request; `HTTP503` for the 503s without a code.
        package var rejectedByCode: [String: Int] = [:]
        /// Send requests with `validate_only: true` that passed validation.
        package var validateOnly = 0
        /// Paths of request fields the simulator does not know (warnings, never rejections), each once, sorted.
        package var unknownFields: [String] = []
        /// `DROP` faults: connections closed without an answer.
        package var droppedConnections = 0
        /// `HANG` faults: requests never answered.
        package var unanswered = 0

        package init() {}

        enum CodingKeys: String, CodingKey {
            case tokenGrants = "token_grants"
            case tokenGrantRejections = "token_grant_rejections"
            case requests
            case messagesAccepted = "messages_accepted"
            case tokensAccepted = "tokens_accepted"
            case acceptedPerToken = "accepted_per_token"
            case duplicates
            case rejectedByCode = "rejected_by_code"
            case validateOnly = "validate_only"
            case unknownFields = "unknown_fields"
            case droppedConnections = "dropped_connections"
            case unanswered
        }
    }
}
