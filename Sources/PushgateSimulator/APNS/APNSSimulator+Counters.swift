extension APNSSimulator {
    /// What the simulator has seen since it started or was last reset.
    package struct Counters: Sendable, Codable, Equatable {
        /// Request streams seen (not counting `/_sim/` endpoints).
        package var requests = 0
        /// 200s, plus `acceptThenDropConnection` faults.
        package var accepted = 0
        /// Reason → count, for every error answer.
        package var rejected: [String: Int] = [:]
        /// Accepted requests whose apns-id had already been accepted before.
        package var duplicateAPNSIDs = 0
        /// `dropConnection` faults.
        package var droppedConnections = 0
        /// `neverAnswer` faults.
        package var unanswered = 0
        /// Streams reset with `REFUSED_STREAM`.
        package var refusedStreams = 0
        package var connectionsOpened = 0
        package var goAwaysSent = 0
        /// Distinct JWT strings verified.
        package var providerTokensSeen = 0
        /// Times a connection switched to a different token.
        package var providerTokenChanges = 0

        package init() {}
    }
}
