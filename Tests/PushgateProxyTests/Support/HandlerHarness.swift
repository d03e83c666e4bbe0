import Logging
import NIOCore
import NIOEmbedded

@testable import PushgateProxy

/// A `ConnectHandler` on `EmbeddedChannel`s: no sockets, time under the test's control.
final class HandlerHarness {
    let loop = EmbeddedEventLoop()
    let connector: FakeConnector
    let server: ProxyServerContext
    let logs = LogRecorder()
    static let target = ProxyTarget(host: "localhost", port: 2197)

    init(
        users: [String: PasswordHash] = [:],
        configure: (inout ProxyConfiguration.Limits) -> Void = { _ in }
    ) {
        var limits = ProxyConfiguration.Limits()
        configure(&limits)
        self.connector = FakeConnector()
        self.server = ProxyServerContext(
            policy: ConnectPolicy(
                allowlist: TargetAllowlist([Self.target]),
                requireAuth: !users.isEmpty,
                hasUsers: !users.isEmpty
            ),
            limits: limits,
            authenticator: UserAuthenticator(users: users, offload: .inline),
            connector: self.connector,
            logger: self.logs.logger(),
            accessLog: true
        )
    }

    /// A connected client channel (from `ip`) with a `ConnectHandler`, and a read counter in front of it.
    func client(ip: String = "192.0.2.10", port: Int = 40000) throws -> (EmbeddedChannel, ReadCounter) {
        let channel = EmbeddedChannel(loop: self.loop)
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(ConnectHandler(server: self.server, isTLS: false))
        try channel.connect(to: SocketAddress(ipAddress: ip, port: port)).wait()
        return (channel, counter)
    }

    /// Everything the channel wrote so far, as text.
    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    static func send(_ channel: EmbeddedChannel, _ text: String) throws {
        try channel.writeInbound(channel.allocator.buffer(string: text))
    }
}
