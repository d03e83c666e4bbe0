extension APNSSimulator {
    /// What the simulator does instead of (or before) accepting a request whose device token matches a `FaultRule`.
    package enum Fault: Sendable, Hashable {
        /// Answer with this status and reason; a 410 also carries `timestamp` (milliseconds since the epoch).
        case respond(status: Int, reason: String)
        /// Wait, then accept normally.
        case delay(Duration)
        /// `delay(configuration.slowResponseDelay)`.
        case slow
        /// Read the request and never answer; the stream stays open until the client resets it.
        case neverAnswer
        /// Read the request, then close the TCP connection without answering; not counted as accepted.
        case dropConnection
        /// Count the request as accepted (its apns-id recorded), then close the TCP connection without answering:
        /// an answer lost in transit.
        case acceptThenDropConnection
        /// `RST_STREAM(REFUSED_STREAM)` as soon as the request's headers arrive: not processed, not accepted.
        case refuseStream
        /// Answer the first `times` requests for each apns-id with this status and reason (like `respond`), then
        /// accept later ones with the same apns-id: a transient failure that a retry with the same identity gets
        /// past. Counted per apns-id since the simulator started or was last reset; a request without an apns-id
        /// gets a fresh one each time, so it always fails.
        case failFirst(times: Int, status: Int, reason: String)
    }
}
