import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

@testable import PushgateServer

@Suite("HTTP/1.1 keep-alive and pipelining on the API", .timeLimit(.minutes(1)))
struct PipeliningTests {
    /// `count` POSTs with 1, 2, … targets, written back to back; the last asks to close.
    static func pipelinedRequests(count: Int) -> String {
        (1...count).map { index in
            let body = APIHarness.body(tokens: (0..<index).map { _ in APNSSimulatorFixture.token() })
            return "POST /v1/notifications HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer \(APIHarness.keyA)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n" + (index == count ? "Connection: close\r\n" : "")
                + "\r\n" + body
        }.joined()
    }

    @Test("three POSTs written in one go on one connection are answered in order, each 202 and stored")
    func pipelined() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                let port = try #require(client.port)
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                // Everything the server sends until it closes (the third request asked it to).
                let received = try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: Self.pipelinedRequests(count: 3)))
                    var text = ""
                    for try await part in inbound { text += String(buffer: part) }
                    return text
                }
                let answers = received.components(separatedBy: "HTTP/1.1 ").dropFirst()
                #expect(answers.map { String($0.prefix(3)) } == ["202", "202", "202"])
                // In request order: the answers carry 1, 2 and 3 deliveries.
                #expect(answers.map { $0.components(separatedBy: #""vendor":"apns""#).count - 1 } == [1, 2, 3])
                #expect(try await harness.storedDeliveries() == 6)
            }
        }
    }
}
