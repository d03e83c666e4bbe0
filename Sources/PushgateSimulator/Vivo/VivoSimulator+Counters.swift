extension VivoSimulator {
    /// What the simulator has seen since it started or was last reset; JSON keys are snake_case.
    package struct Counters: Sendable, Codable, Equatable {
        /// Auth tokens issued by `/message/auth`.
        package var authGrants = 0
        /// `/message/auth` calls answered with an error (missing fields, bad credentials, clock, sign, rate).
        package var authRejections = 0
        /// `/message/send`, `/message/saveListPayload` and `/message/pushToList` calls, whatever their outcome.
        package var requests = 0
        /// Single sends and list pushes answered 0 (replays excluded).
        package var messagesAccepted = 0
        /// regIds (or aliases) accepted; those listed as invalid excluded.
        package var tokensAccepted = 0
        /// regId (or alias) → times accepted.
        package var acceptedPerToken: [String: Int] = [:]
        /// Calls whose `requestId` was already accepted for the app on the endpoint: answered as the first time and
        /// not delivered again.
        package var replaysDropped = 0
        /// `saveListPayload` calls answered 0 (replays excluded).
        package var listPayloadsSaved = 0
        /// Result code → count for every rejected send, save or push call; `HTTP500` for the plain-text 500s.
        package var rejectedByCode: [String: Int] = [:]
        /// Paths of request fields the simulator does not know (warnings, never rejections), each once, sorted.
        package var unknownFields: [String] = []
        /// `DROP` faults: connections closed without an answer.
        package var droppedConnections = 0
        /// `HANG` faults: requests never answered.
        package var unanswered = 0

        package init() {}

        enum CodingKeys: String, CodingKey {
            case authGrants = "auth_grants"
            case authRejections = "auth_rejections"
            case requests
            case messagesAccepted = "messages_accepted"
            case tokensAccepted = "tokens_accepted"
            case acceptedPerToken = "accepted_per_token"
            case replaysDropped = "replays_dropped"
            case listPayloadsSaved = "list_payloads_saved"
            case rejectedByCode = "rejected_by_code"
            case unknownFields = "unknown_fields"
            case droppedConnections = "dropped_connections"
            case unanswered
        }
    }
}
