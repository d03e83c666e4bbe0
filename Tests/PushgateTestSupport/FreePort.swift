import NIOCore
import NIOPosix

/// A loopback port nothing listens on right now (bound, read, released): for a peer that must
/// be unreachable, or a process that needs its port on the command line.
package func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}
