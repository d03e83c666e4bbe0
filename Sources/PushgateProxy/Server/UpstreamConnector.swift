import NIOCore
import NIOPosix

/// Opens the proxy's connection to a target; a seam so handler tests can stand in for the network.
protocol UpstreamConnector: Sendable {
    /// Resolves and connects on `eventLoop` (the client connection's loop, so the tunnel's two halves share one
    /// thread). The returned channel has a `TunnelRelayHandler` that holds reads until it is linked.
    func connect(to target: ProxyTarget, on eventLoop: any EventLoop, timeout: Duration) -> EventLoopFuture<any Channel>
}

/// Connects with NIO's `ClientBootstrap`: DNS on the proxy's side (getaddrinfo), Happy Eyeballs over the addresses,
/// and one deadline for resolution plus connect.
struct SocketUpstreamConnector: UpstreamConnector {
    func connect(to target: ProxyTarget, on eventLoop: any EventLoop, timeout: Duration) -> EventLoopFuture<any Channel>
    {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TunnelRelayHandler(side: .upstream))
                }
            }
            .connect(host: target.host, port: target.port)
    }
}
