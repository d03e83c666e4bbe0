extension APNSSimulator {
    /// What the simulator has seen since it started or was last reset.
    public struct Counters: Sendable, Codable, Equatable {
        /// Request streams seen (not counting `/_sim/` endpoints).
        public var requests = 0
        /// 200s, plus `acceptThenDropConnection` faults.
        public var accepted = 0
        /// Reason → count, for every error answer.
        public var rejected: [String: Int] = [:]
        /// Accepted requests whose apns-id had already been accepted before.
        public var duplicateAPNSIDs = 0
        /// `dropConnection` faults.
        public var droppedConnections = 0
        /// `neverAnswer` faults.
        public var unanswered = 0
        /// Streams reset with `REFUSED_STREAM`.
        public var refusedStreams = 0
        public var connectionsOpened = 0
        public var goAwaysSent = 0
        /// Distinct JWT strings verified.
        public var providerTokensSeen = 0
        /// Times a connection switched to a different token.
        public var providerTokenChanges = 0

        public init() {}
    }
}
