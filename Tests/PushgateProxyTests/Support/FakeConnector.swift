import NIOCore
import NIOEmbedded

@testable import PushgateProxy

/// Stands in for the network: hands out `EmbeddedChannel`s on the same loop, or fails as told.
///
/// `@unchecked Sendable`: used only on the test's thread, which is the `EmbeddedEventLoop`'s.
final class FakeConnector: UpstreamConnector, @unchecked Sendable {
    enum Behaviour {
        case connect
        case fail(any Error)
        /// Connects only when the test calls `completePending()`.
        case manual
    }

    var behaviour = Behaviour.connect
    private(set) var channels: [EmbeddedChannel] = []
    private(set) var targets: [ProxyTarget] = []
    private var pending: [(ProxyTarget, EventLoopPromise<any Channel>)] = []

    /// Connects every `.manual` connect still waiting.
    func completePending() {
        let pending = self.pending
        self.pending = []
        for (target, promise) in pending {
            self.behaviour = .connect
            promise.completeWith(self.connect(to: target, on: promise.futureResult.eventLoop, timeout: .seconds(1)))
            self.targets.removeLast()
        }
    }

    func connect(to target: ProxyTarget, on eventLoop: any EventLoop, timeout: Duration) -> EventLoopFuture<any Channel>
    {
        self.targets.append(target)
        switch self.behaviour {
        case .fail(let error):
            return eventLoop.makeFailedFuture(error)
        case .manual:
            let promise = eventLoop.makePromise(of: (any Channel).self)
            self.pending.append((target, promise))
            return promise.futureResult
        case .connect:
            guard let loop = eventLoop as? EmbeddedEventLoop else {
                return eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
            }
            let channel = EmbeddedChannel(loop: loop)
            do {
                try channel.pipeline.syncOperations.addHandler(TunnelRelayHandler(side: .upstream))
                try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: target.port)).wait()
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
            self.channels.append(channel)
            return eventLoop.makeSucceededFuture(channel)
        }
    }
}
