import NIOCore

/// The accounting of one established tunnel: bytes each way, idleness, its slot, its access-log line.
///
/// Both relay handlers hold it; they run on one event loop (the upstream connection is made on the client's loop), so
/// it needs no lock. It finishes when both sides have closed.
final class Tunnel {
    private let server: ProxyServerContext
    private let eventLoop: any EventLoop
    let client: ClientEndpoint
    let user: String?
    let target: ProxyTarget
    private let startedAt: NIODeadline
    private(set) var bytesUp = 0
    private(set) var bytesDown = 0
    private var openSides = 2
    private var lastActivity: NIODeadline
    private var idleTimer: Scheduled<Void>?

    /// Takes over the tunnel slot the client connection was admitted with; releases it when finished.
    init(
        server: ProxyServerContext,
        eventLoop: any EventLoop,
        client: ClientEndpoint,
        user: String?,
        target: ProxyTarget,
        startedAt: NIODeadline
    ) {
        self.server = server
        self.eventLoop = eventLoop
        self.client = client
        self.user = user
        self.target = target
        self.startedAt = startedAt
        // The loop's clock, not the wall clock, so tests on an EmbeddedEventLoop control idleness too.
        self.lastActivity = eventLoop.now
        server.metrics.tunnelOpened()
    }

    /// Calls `onIdle` once no byte went either way for `timeout`.
    func watchIdleness(timeout: Duration, onIdle: @escaping () -> Void) {
        let timeout = TimeAmount(timeout)
        func schedule(at deadline: NIODeadline) {
            self.idleTimer = self.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
                let due = self.lastActivity + timeout
                if self.eventLoop.now >= due {
                    self.idleTimer = nil
                    onIdle()
                } else {
                    // There was traffic: check again when the quiet period could next have run out.
                    schedule(at: due)
                }
            }
        }
        schedule(at: self.lastActivity + timeout)
    }

    /// Some bytes moved (one clock read per read event, not a timer reset).
    func touch() {
        self.lastActivity = self.eventLoop.now
    }

    func relayed(_ count: Int, from side: TunnelRelayHandler.Side) {
        switch side {
        case .client:
            self.bytesUp += count
            self.server.metrics.relayed(upstream: count, downstream: 0)
        case .upstream:
            self.bytesDown += count
            self.server.metrics.relayed(upstream: 0, downstream: count)
        }
    }

    /// Called once per side when its channel goes inactive.
    func sideClosed() {
        self.openSides -= 1
        guard self.openSides == 0 else { return }
        self.idleTimer?.cancel()
        self.idleTimer = nil
        self.server.metrics.tunnelClosed()
        self.server.release(self.client)
        self.server.logTunnel(
            client: self.client,
            user: self.user,
            target: self.target,
            bytesUp: self.bytesUp,
            bytesDown: self.bytesDown,
            since: self.startedAt
        )
    }
}

@available(*, unavailable)
extension Tunnel: Sendable {}
