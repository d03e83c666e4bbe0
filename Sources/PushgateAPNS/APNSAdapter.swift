import Foundation
import Logging
import NIOCore
import NIOSSL
import PushgateCore

/// Sends deliveries to APNs over HTTP/2: one connection pool per environment for one set of
/// credentials, every request with the delivery's stable `apns-id`.
package final class APNSAdapter: ProviderAdapter {
    package let vendor = Vendor.apns
    /// APNs takes one device per request; HTTP/2 multiplexing does what batches do elsewhere.
    package let maxBatchSize = 1

    /// The request deadline counts from submission, queueing and transparent resends included.
    package var longestSend: Duration { self.configuration.timeouts.request }
    package let configuration: APNSConfiguration
    /// When true, `BadDeviceToken` means the token is dead. Off by default because APNs also
    /// answers it for a token of the other environment (VENDORS.md A4); then the outcome is
    /// `permanent(EnvironmentMismatch)` and the token is not reported dead.
    package let tokenEnvironmentVerified: Bool
    private let builder: APNSRequestBuilder
    private let pools: [DeviceTarget.Environment: APNSConnectionPool]
    private let clock: @Sendable () -> Date
    /// The key's provider tokens (token authentication only).
    let providerTokens: APNSProviderTokenSource?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    /// - Parameters:
    ///   - clock: wall-clock time for provider tokens and expirations; tests move it.
    package init(
        configuration: APNSConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        tokenEnvironmentVerified: Bool = false,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.configuration = configuration
        self.tokenEnvironmentVerified = tokenEnvironmentVerified
        self.builder = APNSRequestBuilder(bundleID: configuration.topic)
        self.clock = clock
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        guard !configuration.topic.isEmpty else {
            throw PushgateError.invalidConfiguration("apns: the topic (bundle id) is empty")
        }
        let tokenProblems = configuration.providerTokens.problems
        guard tokenProblems.isEmpty else {
            throw PushgateError.invalidConfiguration(
                "apns: provider tokens: " + tokenProblems.joined(separator: "; "))
        }
        // One token source for the key, shared by both environments' pools: APNs may count
        // token updates per key (VENDORS.md), so the pools must not mint apart.
        var providerTokens: APNSProviderTokenSource?
        if case .token(let key) = configuration.authentication {
            providerTokens = APNSProviderTokenSource(key: key, policy: configuration.providerTokens, logger: logger)
        }
        self.providerTokens = providerTokens
        let sslContext = try Self.makeSSLContext(configuration)
        let proxySSLContext = try configuration.proxy.flatMap { try Self.makeProxySSLContext($0) }
        var pools: [DeviceTarget.Environment: APNSConnectionPool] = [:]
        for environment in DeviceTarget.Environment.allCases {
            let endpoint = configuration.endpoint ?? (environment == .production ? .production : .sandbox)
            var poolLogger = logger
            poolLogger[metadataKey: "apns.environment"] = "\(environment.rawValue)"
            let settings = APNSConnectionSettings(
                endpoint: endpoint,
                sslContext: sslContext,
                proxy: configuration.proxy,
                proxySSLContext: proxySSLContext,
                providerTokens: providerTokens,
                timeouts: configuration.timeouts,
                maxConcurrentStreams: max(1, configuration.pool.maxConcurrentStreams),
                maxQueuedRequests: max(1, configuration.pool.maxQueuedRequests),
                maxTransparentRetries: max(0, configuration.maxTransparentRetries),
                clock: clock,
                logger: poolLogger
            )
            pools[environment] = APNSConnectionPool(
                settings: settings,
                pool: configuration.pool,
                eventLoopGroup: eventLoopGroup
            )
        }
        self.pools = pools
    }

    private static func makeSSLContext(_ configuration: APNSConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["h2"]
        do {
            if let pem = configuration.additionalTrustRootsPEM {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
                guard !roots.isEmpty else {
                    throw PushgateError.invalidConfiguration("apns: the CA file holds no PEM certificate")
                }
                if configuration.trustOnlyAdditionalRoots {
                    tls.trustRoots = .certificates(roots)
                } else {
                    tls.additionalTrustRoots = [.certificates(roots)]
                }
            }
            switch configuration.authentication {
            case .token:
                break
            case .certificate(let chainPEM, let keyPEM):
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
                guard !chain.isEmpty else {
                    throw PushgateError.credentials("apns: the client certificate file holds no PEM certificate")
                }
                tls.certificateChain = chain.map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
            case .pkcs12(let bytes, let passphrase):
                let bundle = try NIOSSLPKCS12Bundle(buffer: bytes, passphrase: passphrase.map { Array($0.utf8) })
                tls.certificateChain = bundle.certificateChain.map { .certificate($0) }
                tls.privateKey = .privateKey(bundle.privateKey)
            }
            return try NIOSSLContext(configuration: tls)
        } catch let error as PushgateError {
            throw error
        } catch {
            throw PushgateError.credentials("apns: could not load TLS material: \(error)")
        }
    }

    /// The TLS session with a `https://` proxy: its CA, and a client certificate if it wants one.
    private static func makeProxySSLContext(_ proxy: APNSProxy) throws -> NIOSSLContext? {
        guard proxy.scheme == .https else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            if let pem = proxy.trustRootsPEM {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
                guard !roots.isEmpty else {
                    throw PushgateError.invalidConfiguration("proxy: the CA file holds no PEM certificate")
                }
                tls.additionalTrustRoots = [.certificates(roots)]
            }
            if let chainPEM = proxy.clientCertificateChainPEM, let keyPEM = proxy.clientPrivateKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
            }
            return try NIOSSLContext(configuration: tls)
        } catch let error as PushgateError {
            throw error
        } catch {
            throw PushgateError.credentials("proxy: could not load TLS material: \(error)")
        }
    }

    package func send(_ deliveries: [Delivery], logger: Logger) async -> [DeliveryReport] {
        // One request per delivery, all in flight at once on the pool's streams.
        let futures = deliveries.map { self.submit($0) }
        var reports: [DeliveryReport] = []
        reports.reserveCapacity(futures.count)
        for future in futures {
            let report = try? await future.get()
            reports.append(report ?? DeliveryReport(outcome: .retryable(after: nil, stage: .queued)))
        }
        return reports
    }

    package func validate(_ delivery: Delivery) -> DeliveryReport? {
        do {
            try self.builder.validate(delivery, now: self.clock())
            return nil
        } catch {
            return DeliveryReport(outcome: error.outcome, vendorReason: error.reason)
        }
    }

    /// Callback-style send for hot loops (the dispatcher and `pushgate bench`): never fails;
    /// every failure is a classified report. `rawPayload` replaces the built payload.
    package func submit(_ delivery: Delivery, rawPayload: ByteBuffer? = nil) -> EventLoopFuture<DeliveryReport> {
        let request: APNSRequest
        do {
            request = try self.builder.makeRequest(for: delivery, now: self.clock(), rawPayload: rawPayload)
        } catch {
            return self.eventLoopGroup.any().makeSucceededFuture(
                DeliveryReport(outcome: error.outcome, vendorReason: error.reason)
            )
        }
        guard let pool = self.pools[delivery.target.environment] else {
            return self.eventLoopGroup.any().makeSucceededFuture(
                DeliveryReport(outcome: .permanent(reason: .invalidRequest), vendorReason: "no pool for environment")
            )
        }
        let verified = self.tokenEnvironmentVerified
        let response = pool.submit(request)
        // One promise instead of map + recover: this runs for every push.
        let report = response.eventLoop.makePromise(of: DeliveryReport.self)
        response.whenComplete { result in
            switch result {
            case .success(let response):
                report.succeed(Self.report(for: response, tokenEnvironmentVerified: verified))
            case .failure(let error as APNSTransportError):
                report.succeed(DeliveryReport(outcome: error.outcome, vendorReason: error.detail))
            case .failure(let error):
                report.succeed(
                    DeliveryReport(outcome: .retryable(after: nil, stage: .queued), vendorReason: "\(error)"))
            }
        }
        return report.futureResult
    }

    static func report(for response: APNSResponse, tokenEnvironmentVerified: Bool) -> DeliveryReport {
        var outcome = APNSResponseClassifier.classify(response, tokenEnvironmentVerified: tokenEnvironmentVerified)
            .outcome
        // A fresh token on a fresh connection was already tried: a second auth failure is
        // configuration (wrong key, team or clock), not staleness (VENDORS.md §7).
        if case .authRefresh(let reason) = outcome, response.afterFreshConnection {
            outcome = .permanent(reason: reason)
        }
        return DeliveryReport(
            outcome: outcome,
            vendorStatus: response.status,
            vendorReason: response.reason?.rawValue,
            vendorMessageID: response.apnsID
        )
    }

    /// The live connections of one environment's pool, for diagnostics and tests.
    func connectionSnapshots(_ environment: DeviceTarget.Environment = .production) async -> [APNSConnection.Snapshot] {
        await self.pools[environment]?.snapshots() ?? []
    }

    /// Closes every connection after in-flight requests finish (or the grace period ends).
    package func shutdown() async {
        for pool in self.pools.values {
            await pool.shutdown()
        }
    }
}
