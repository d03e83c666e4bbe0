import NIOConcurrencyHelpers
import NIOCore

/// The proxy's client connections, so shutdown can stop the ones that are not tunnels yet and, after the grace
/// period, the tunnels too.
final class ConnectionRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: (channel: any Channel, isTunnel: Bool)] = [:]
        var draining = false
    }

    private let state = NIOLockedValueBox(State())

    /// Registers a new connection; false while draining (the caller closes it).
    func add(_ channel: any Channel) -> Bool {
        let added = self.state.withLockedValue { state -> Bool in
            guard !state.draining else { return false }
            state.connections[ObjectIdentifier(channel)] = (channel, false)
            return true
        }
        if added {
            channel.closeFuture.whenComplete { _ in
                self.state.withLockedValue { _ = $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        return added
    }

    func markTunnel(_ channel: any Channel) {
        self.state.withLockedValue { state in
            state.connections[ObjectIdentifier(channel)]?.isTunnel = true
        }
    }

    var isDraining: Bool {
        self.state.withLockedValue { $0.draining }
    }

    /// Starts draining: no new connections; returns those that are not tunnels, to be closed now.
    func beginDrain() -> [any Channel] {
        self.state.withLockedValue { state in
            state.draining = true
            return state.connections.values.filter { !$0.isTunnel }.map(\.channel)
        }
    }

    /// Every connection still open.
    func all() -> [any Channel] {
        self.state.withLockedValue { $0.connections.values.map(\.channel) }
    }
}
