import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import PushgateCore
import PushgateHTTPVendor

/// Sends to Huawei Push Kit (HMS Core, Android and HarmonyOS up to 4.x): one request carries one
/// notification to up to 1,000 tokens of one app, authorised by the app's OAuth access token.
package final class HuaweiAdapter: ProviderAdapter {
    package var vendor: Vendor { .huawei }
    package var maxBatchSize: Int { HuaweiConfiguration.maxTokensPerRequest }
    /// A token fetch and a send, and once more of each after Huawei calls the token stale.
    package var longestSend: Duration { self.configuration.transport.requestTimeout * 4 }

    package let configuration: HuaweiConfiguration
    private let transport: VendorHTTPTransport
    private let accessTokens: AccessTokenCache
    private let builder: HuaweiMessageBuilder
    private let classifier: HuaweiResponseClassifier
    private let sendURL: String
    private let clock: @Sendable () -> Date
    /// Set once Huawei accepted a token of this app: its credentials and project are right.
    private let appKnownGood = NIOLockedValueBox(false)

    package init(
        configuration: HuaweiConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.configuration = configuration
        let transport = try VendorHTTPTransport(configuration: configuration.transport, eventLoopGroup: eventLoopGroup)
        self.transport = transport
        self.accessTokens = AccessTokenCache(
            minimumBackoff: configuration.tokenFetchBackoff,
            maximumBackoff: max(.seconds(60), configuration.tokenFetchBackoff),
            logger: logger
        ) {
            await HuaweiAuthenticator.fetch(configuration: configuration, transport: transport, logger: logger)
        }
        self.builder = HuaweiMessageBuilder(configuration: configuration)
        self.classifier = HuaweiResponseClassifier(now: clock)
        self.sendURL = "\(configuration.endpoint)/v1/\(configuration.appID)/messages:send"
        self.clock = clock
    }

    package func validate(_ delivery: Delivery) -> DeliveryReport? {
        if let problem = Self.tokenProblem(delivery.target.token) {
            return DeliveryReport(outcome: .invalidToken(reason: .malformedToken, since: nil), vendorReason: problem)
        }
        do throws(HuaweiMessageProblem) {
            _ = try self.builder.message(
                for: delivery.notification, identity: delivery.notificationID ?? delivery.id,
                expiresAt: delivery.expiresAt, now: self.clock())
            return nil
        } catch {
            return error.report
        }
    }

    /// Huawei tokens are printable ASCII of a few hundred characters at most.
    static func tokenProblem(_ token: String) -> String? {
        if token.isEmpty { return "empty token" }
        if token.utf8.count > 512 { return "longer than 512 bytes" }
        if !token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) { return "not printable ASCII without spaces" }
        return nil
    }

    package func send(_ deliveries: [Delivery], logger: Logger) async -> [DeliveryReport] {
        guard let first = deliveries.first else { return [] }
        let message: HuaweiMessage
        do throws(HuaweiMessageProblem) {
            message = try self.builder.message(
                for: first.notification, identity: first.notificationID ?? first.id, expiresAt: first.expiresAt,
                now: self.clock())
        } catch {
            return deliveries.map { _ in error.report }
        }
        let tokens = deliveries.map(\.target.token)
        let body = message.body(tokens: tokens)
        var refreshed = false
        while true {
            let accessToken: String
            switch await self.accessTokens.token() {
            case .success(let token):
                accessToken = token
            case .failure(let failure):
                // No token, nothing sent: the lane pauses and probes rather than failing pushes.
                return DeliveryReport.each(
                    of: tokens.count, .retryable(after: nil, stage: .authentication), failure.description)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(accessToken)")
            let result = await self.transport.send(
                .json(url: self.sendURL, body: body, headers: headers), logger: logger)
            guard case .answered(let response) = result else {
                guard case .failed(let stage, let detail) = result else { preconditionFailure("answered handled") }
                logger.debug("huawei send failed", metadata: ["push.stage": "\(stage)", "push.error": "\(detail)"])
                return DeliveryReport.each(of: tokens.count, .transportFailure(at: stage), detail)
            }
            let evidence = HuaweiResponseClassifier.Evidence(appKnownGood: self.appKnownGood.withLockedValue { $0 })
            let reports = self.classifier.reports(response, tokens: tokens, evidence: evidence)
            if case .authRefresh = reports.first?.outcome {
                await self.accessTokens.invalidate(accessToken)
                if !refreshed {
                    refreshed = true
                    continue
                }
                // A fresh token refused as well: the app id, secret or project is wrong. Pause
                // the lane (a configuration alarm) instead of failing every push.
                logger.error(
                    "huawei refused a fresh access token; check app_id and client_secret",
                    metadata: ["push.vendor_answer": "\(response.bodyForLog)"])
                return DeliveryReport.each(
                    of: tokens.count, .retryable(after: nil, stage: .authentication), reports.first?.vendorReason ?? "")
            }
            if reports.contains(where: { $0.outcome == .delivered }) {
                self.appKnownGood.withLockedValue { $0 = true }
            }
            if case .permanent = reports.first?.outcome {
                logger.warning(
                    "huawei refused the message",
                    metadata: [
                        "push.status": "\(response.status.code)", "push.vendor_answer": "\(response.bodyForLog)",
                    ])
            }
            return reports
        }
    }

    package func shutdown() async {
        await self.transport.shutdown()
    }

}
