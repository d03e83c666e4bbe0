extension ConnectHandler {
    /// The life of one client connection up to the tunnel: read the head, check credentials, connect, hand over.
    ///
    /// Pure: events in, actions out. The handler performs the I/O and reports back (credentials checked, slot
    /// denied, upstream connected or failed, client gone).
    struct StateMachine {
        enum Action: Equatable {
            case none
            /// Answer with this refusal (when there is HTTP to answer in) and close.
            case refuse(ProxyRefusal)
            /// Check these credentials off the event loop, then call `credentialsChecked`.
            case verifyCredentials(BasicCredentials)
            /// Take a tunnel slot and connect to `target`, then call `upstreamConnected` or `upstreamFailed`.
            case openTunnel(ProxyTarget)
            /// Answer 200, forward `buffered` upstream, and splice.
            case establishTunnel(buffered: [UInt8])
            /// The upstream connection arrived after the client left or was refused: close it.
            case closeUpstream
        }

        private enum State {
            case readingHead(ConnectHeadParser)
            case authenticating(verdict: ConnectPolicy.TargetVerdict, buffered: [UInt8])
            case connecting(buffered: [UInt8])
            case tunnelling
            case refused
            case closed
        }

        private let policy: ConnectPolicy
        private var state: State
        /// The user named by the credentials (checked or not), for the access log.
        private(set) var user: String?
        /// The normalised target once allowed, for the access log.
        private(set) var target: ProxyTarget?
        /// The raw request-target, for the access log of refusals.
        private(set) var requestedTarget: String?

        init(policy: ConnectPolicy, maxHeaderBytes: Int) {
            self.policy = policy
            self.state = .readingHead(ConnectHeadParser(maxBytes: maxHeaderBytes))
        }

        /// Reading stops while credentials are checked and the upstream connects: bytes a client sends early are
        /// buffered, and at most one read's worth of them.
        var pausesReading: Bool {
            switch self.state {
            case .authenticating, .connecting: true
            case .readingHead, .tunnelling, .refused, .closed: false
            }
        }

        /// Whether the request head is still incomplete.
        var awaitsHeadBytes: Bool {
            if case .readingHead = self.state { return true }
            return false
        }

        /// Whether the header timeout still applies (reading the head or checking its credentials).
        var awaitsHead: Bool {
            switch self.state {
            case .readingHead, .authenticating: true
            case .connecting, .tunnelling, .refused, .closed: false
            }
        }

        mutating func bytesReceived<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Action {
            switch self.state {
            case .readingHead(var parser):
                switch parser.feed(bytes) {
                case .needMoreData:
                    self.state = .readingHead(parser)
                    return .none
                case .tooLarge:
                    return self.refuse(ProxyRefusal(.headerTooLarge, "head over \(parser.maxBytes) bytes"))
                case .malformed(let reason):
                    return self.refuse(ProxyRefusal(.badRequest, "malformed head: \(reason)"))
                case .head(let head, let remainder):
                    self.requestedTarget = head.target
                    return self.decide(self.policy.evaluate(head), buffered: remainder)
                }
            case .authenticating(let verdict, var buffered):
                buffered.append(contentsOf: bytes)
                self.state = .authenticating(verdict: verdict, buffered: buffered)
                return .none
            case .connecting(var buffered):
                buffered.append(contentsOf: bytes)
                self.state = .connecting(buffered: buffered)
                return .none
            case .tunnelling, .refused, .closed:
                // After a refusal the input is drained and dropped until the client closes.
                return .none
            }
        }

        mutating func credentialsChecked(valid: Bool) -> Action {
            guard case .authenticating(let verdict, let buffered) = self.state else { return .none }
            guard valid else {
                return self.refuse(ProxyRefusal(.authFailed, "unknown user or wrong password"))
            }
            return self.apply(verdict, buffered: buffered)
        }

        mutating func headerTimedOut() -> Action {
            guard self.awaitsHead else { return .none }
            return self.refuse(ProxyRefusal(.headerTimeout, "no complete head in time"))
        }

        mutating func admissionDenied(_ admission: TunnelLimiter.Admission) -> Action {
            guard case .connecting = self.state else { return .none }
            switch admission {
            case .admitted: return .none
            case .tunnelLimit: return self.refuse(ProxyRefusal(.tunnelLimit, "max_tunnels reached"))
            case .clientLimit: return self.refuse(ProxyRefusal(.clientLimit, "max_tunnels_per_client reached"))
            }
        }

        mutating func upstreamConnected() -> Action {
            guard case .connecting(let buffered) = self.state else { return .closeUpstream }
            self.state = .tunnelling
            return .establishTunnel(buffered: buffered)
        }

        mutating func upstreamFailed(timedOut: Bool, detail: String) -> Action {
            guard case .connecting = self.state else { return .none }
            return self.refuse(ProxyRefusal(timedOut ? .upstreamTimeout : .upstreamConnectFailed, detail))
        }

        /// The client connection closed (or failed); everything still pending is dropped.
        mutating func clientClosed() {
            self.state = .closed
        }

        private mutating func decide(_ decision: ConnectPolicy.Decision, buffered: [UInt8]) -> Action {
            switch decision {
            case .refuse(let refusal):
                return self.refuse(refusal)
            case .authenticate(let credentials, let verdict):
                self.user = credentials.username
                self.state = .authenticating(verdict: verdict, buffered: buffered)
                return .verifyCredentials(credentials)
            case .proceed(let verdict):
                return self.apply(verdict, buffered: buffered)
            }
        }

        private mutating func apply(_ verdict: ConnectPolicy.TargetVerdict, buffered: [UInt8]) -> Action {
            switch verdict {
            case .refused(let refusal):
                return self.refuse(refusal)
            case .allowed(let target):
                self.target = target
                self.state = .connecting(buffered: buffered)
                return .openTunnel(target)
            }
        }

        private mutating func refuse(_ refusal: ProxyRefusal) -> Action {
            self.state = .refused
            return .refuse(refusal)
        }
    }
}
