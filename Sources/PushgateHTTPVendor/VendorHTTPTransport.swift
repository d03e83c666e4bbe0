import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import PushgateCore

/// One lane's HTTP client for a vendor's JSON API (async-http-client: a keep-alive pool, HTTP/2
/// where the vendor offers it in ALPN). It never throws for a failed exchange: it says where the
/// exchange failed, so adapters can tell "never sent" from "sent, no answer" (ARCHITECTURE rule 4).
package final class VendorHTTPTransport: Sendable {
    package struct Configuration: Sendable {
        /// Extra PEM CA certificates to trust besides the system's (simulators).
        package var additionalTrustRootsPEM: String?
        /// A plain-HTTP CONNECT proxy; off by default, since these vendors are reached directly.
        package var proxy: Proxy?
        /// Keep-alive connections per host.
        package var connections: Int = 8
        /// TCP connect, name resolution included.
        package var connectTimeout: Duration = .seconds(5)
        /// From submission to the complete answer, waiting for a connection included.
        package var requestTimeout: Duration = .seconds(8)
        /// Larger answers are cut (vendors answer with a few hundred bytes).
        package var maxResponseBytes: Int = 1 << 20

        package init() {}
    }

    package struct Proxy: Sendable {
        package var host: String
        package var port: Int
        package var username: String?
        package var password: String?

        package init(host: String, port: Int, username: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
        }
    }

    package let configuration: Configuration
    private let client: HTTPClient

    package init(configuration: Configuration, eventLoopGroup: any EventLoopGroup) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let pem = configuration.additionalTrustRootsPEM {
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))]
        }
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .init(configuration.connectTimeout)),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connections
            ),
            proxy: configuration.proxy.map { proxy in
                let authorization = proxy.username.map {
                    HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "")
                }
                return .server(host: proxy.host, port: proxy.port, authorization: authorization)
            },
            decompression: .disabled
        )
        clientConfiguration.httpVersion = .automatic
        self.client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: clientConfiguration)
    }

    /// Sends one request and waits for the complete answer or the request timeout.
    package func send(_ request: VendorHTTPRequest, logger: Logger) async -> VendorHTTPResult {
        let collector = ResponseCollector(limit: self.configuration.maxResponseBytes)
        let httpRequest: HTTPClient.Request
        do {
            httpRequest = try HTTPClient.Request(
                url: request.url,
                method: request.method,
                headers: request.headers,
                body: request.body.map { .byteBuffer($0) }
            )
        } catch {
            // A URL we built from configuration that the client refuses: nothing was sent.
            return .failed(stage: .connect, detail: "invalid request URL: \(error)")
        }
        let task = self.client.execute(
            request: httpRequest,
            delegate: collector,
            eventLoop: .indifferent,
            deadline: .now() + .init(self.configuration.requestTimeout),
            logger: logger
        )
        do {
            return .answered(try await task.futureResult.get())
        } catch {
            let stage = collector.failureStage(for: error, proxied: self.configuration.proxy != nil)
            return .failed(stage: stage, detail: String(describing: error))
        }
    }

    /// Closes the pool once in-flight requests end.
    package func shutdown() async {
        try? await self.client.shutdown()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
