extension XiaomiSimulator {
    /// What the simulator has seen since it started or was last reset; JSON keys are snake_case.
    package struct Counters: Sendable, Codable, Equatable {
        /// Send requests received, whatever their outcome.
        package var requests = 0
        /// Send requests answered `"result":"ok"` (with or without `bad_regids`).
        package var messagesAccepted = 0
        /// Regids accepted (the invalid ones of a partial success excluded).
        package var tokensAccepted = 0
        /// Regid → times accepted.
        package var acceptedPerToken: [String: Int] = [:]
        /// Acceptances of a (regid, notify_id) pair already accepted; messages without `notify_id` are never
        /// duplicates.
        package var duplicates = 0
        /// Error code → count for every rejected send request; `HTTP500` for the plain-text 500s.
        package var rejectedByCode: [String: Int] = [:]
        /// Top-level form fields the simulator does not know (warnings, never rejections), each once, sorted.
        package var unknownFields: [String] = []
        /// `DROP` faults: connections closed without an answer.
        package var droppedConnections = 0
        /// `HANG` faults: requests never answered.
        package var unanswered = 0

        package init() {}

        enum CodingKeys: String, CodingKey {
            case requests
            case messagesAccepted = "messages_accepted"
            case tokensAccepted = "tokens_accepted"
            case acceptedPerToken = "accepted_per_token"
            case duplicates
            case rejectedByCode = "rejected_by_code"
            case unknownFields = "unknown_fields"
            case droppedConnections = "dropped_connections"
            case unanswered
        }
    }
}
