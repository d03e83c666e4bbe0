import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import PushgateCore

/// One lane's HTTP client for a vendor's JSON API: a pool of keep-alive HTTP/1.1 connections over
/// TLS per origin, each request written in one flush. It never throws for a failed exchange: it
/// says where the exchange failed, so adapters can tell "never sent" from "sent, no answer"
/// (ARCHITECTURE rule 4).
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
    private let settings: VendorHTTPConnection.Settings
    private let eventLoopGroup: any EventLoopGroup
    /// One pool per origin; after `shutdown`, pools made for new origins start shut down.
    private let pools = NIOLockedValueBox(
        (byOrigin: [VendorHTTPTarget.Origin: VendorConnectionPool](), isShutDown: false))
    /// Adapters send to one or two URLs over and over: parse each once.
    private let targets = NIOLockedValueBox([String: VendorHTTPTarget]())
    private let opened = NIOLockedValueBox(0)

    /// Connections opened so far: keep-alive working shows as a number far below the requests.
    package var connectionsOpened: Int { self.opened.withLockedValue { $0 } }

    package init(configuration: Configuration, eventLoopGroup: any EventLoopGroup) throws {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        if let pem = configuration.additionalTrustRootsPEM {
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))]
        }
        self.settings = VendorHTTPConnection.Settings(
            sslContext: try NIOSSLContext(configuration: tls),
            proxy: configuration.proxy,
            connectTimeout: TimeAmount(configuration.connectTimeout),
            maxResponseBytes: configuration.maxResponseBytes)
    }

    /// Sends one request and waits for the complete answer or the request timeout, waiting for
    /// a free connection included.
    package func send(_ request: VendorHTTPRequest, logger: Logger) async -> VendorHTTPResult {
        let deadline = NIODeadline.now() + TimeAmount(self.configuration.requestTimeout)
        guard let target = self.target(for: request.url) else {
            // A URL we built from configuration that we cannot use: nothing was sent.
            return .failed(stage: .connect, detail: "invalid request URL (expected https://host[:port]/path)")
        }
        var headers = request.headers
        // The encoder writes headers as given: a line break would start a header of its own.
        if let unsafe = headers.first(where: { !Self.isSafe($0.name) || !Self.isSafe($0.value) }) {
            return .failed(stage: .connect, detail: "header \(unsafe.name) has a line break or NUL: not sent")
        }
        headers.remove(name: "Transfer-Encoding")  // framed by Content-Length, always
        headers.replaceOrAdd(name: "Host", value: target.hostHeader)
        headers.replaceOrAdd(name: "Content-Length", value: String(request.body?.readableBytes ?? 0))
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: target.path, headers: headers)
        let pool = self.pool(for: target.origin)
        // A kept-alive connection the vendor closed just before we wrote is not a failed send:
        // the request goes out once more, on a new connection.
        for _ in 0..<2 {
            let connection: VendorHTTPConnection
            switch await pool.lease(deadline: deadline) {
            case .connection(let idle):
                connection = idle
            case .open:
                let opened = await VendorHTTPConnection.connect(
                    to: target.origin, settings: self.settings, eventLoop: self.eventLoopGroup.next(),
                    deadline: deadline)
                switch opened {
                case .success(let new):
                    self.opened.withLockedValue { $0 += 1 }
                    connection = new
                case .failure(let failure):
                    pool.openFailed()
                    logger.debug(
                        "vendor connection failed",
                        metadata: ["vendor.origin": "\(target.origin)", "stage": "\(failure.stage)"])
                    return .failed(stage: failure.stage, detail: failure.detail)
                }
            case .timedOut:
                return .failed(
                    stage: .queued, detail: "no connection to \(target.origin) was free within the request timeout")
            case .shutDown:
                return .failed(stage: .queued, detail: "the transport is shut down")
            }
            switch await connection.execute(head: head, body: request.body, deadline: deadline) {
            case .answered(let response, let keepAlive):
                pool.release(connection, reusable: keepAlive)
                return .answered(response)
            case .expired:
                pool.release(connection, reusable: true)
                return .failed(stage: .queued, detail: "the request timeout passed before a connection was ready")
            case .notSent:
                pool.release(connection, reusable: false)
            case .failed(let stage, let detail):
                pool.release(connection, reusable: false)
                return .failed(stage: stage, detail: detail)
            }
        }
        return .failed(stage: .connect, detail: "the vendor closed the connection before the request was written")
    }

    /// Closes every connection; senders still waiting are turned away.
    package func shutdown() async {
        let pools = self.pools.withLockedValue { pools in
            pools.isShutDown = true
            return Array(pools.byOrigin.values)
        }
        for pool in pools { pool.shutdown() }
    }

    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }

    private func target(for url: String) -> VendorHTTPTarget? {
        if let known = self.targets.withLockedValue({ $0[url] }) { return known }
        guard let target = VendorHTTPTarget(url: url) else { return nil }
        self.targets.withLockedValue { targets in
            if targets.count < 64 { targets[url] = target }
        }
        return target
    }

    private func pool(for origin: VendorHTTPTarget.Origin) -> VendorConnectionPool {
        self.pools.withLockedValue { pools in
            if let pool = pools.byOrigin[origin] { return pool }
            let pool = VendorConnectionPool(
                limit: self.configuration.connections, idleTimeout: .seconds(60),
                timerLoop: self.eventLoopGroup.next())
            if pools.isShutDown { pool.shutdown() }
            pools.byOrigin[origin] = pool
            return pool
        }
    }
}

extension VendorHTTPTransport.Proxy {
    /// `Proxy-Authorization` for the CONNECT request, when a user is set.
    var authorizationHeader: String? {
        guard let username else { return nil }
        return "Basic " + Data((username + ":" + (self.password ?? "")).utf8).base64EncodedString()
    }
}
