import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PushgateCore
import PushgateHTTPVendor

/// Sends to Xiaomi MiPush: one form-encoded request carries one notification to up to 1,000
/// regids of one app, authorised by the app's static secret.
package final class XiaomiAdapter: ProviderAdapter {
    package var vendor: Vendor { .xiaomi }
    package var maxBatchSize: Int { XiaomiConfiguration.maxTokensPerRequest }
    package var longestSend: Duration { self.configuration.transport.requestTimeout }

    package let configuration: XiaomiConfiguration
    private let transport: VendorHTTPTransport
    private let builder: XiaomiMessageBuilder
    private let classifier: XiaomiResponseClassifier
    private let sendURL: String
    private let clock: @Sendable () -> Date

    package init(
        configuration: XiaomiConfiguration, eventLoopGroup: any EventLoopGroup,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.configuration = configuration
        self.transport = try VendorHTTPTransport(configuration: configuration.transport, eventLoopGroup: eventLoopGroup)
        self.builder = XiaomiMessageBuilder(configuration: configuration)
        self.classifier = XiaomiResponseClassifier(now: clock)
        self.sendURL = configuration.endpoint + "/v3/message/regid"
        self.clock = clock
    }

    package func validate(_ delivery: Delivery) -> DeliveryReport? {
        if let problem = Self.tokenProblem(delivery.target.token) {
            return DeliveryReport(outcome: .invalidToken(reason: .malformedToken, since: nil), vendorReason: problem)
        }
        do throws(XiaomiMessageProblem) {
            _ = try self.message(for: delivery)
            return nil
        } catch {
            return error.report
        }
    }

    /// Regids are printable ASCII (with `+` and `/`); a comma would split the list.
    static func tokenProblem(_ token: String) -> String? {
        if token.isEmpty { return "empty regid" }
        if token.utf8.count > 512 { return "longer than 512 bytes" }
        if !token.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }) {
            return "not printable ASCII without spaces and commas"
        }
        return nil
    }

    private func message(for delivery: Delivery) throws(XiaomiMessageProblem) -> XiaomiMessage {
        try self.builder.message(
            for: delivery.notification, identity: delivery.notificationID ?? delivery.id,
            expiresAt: delivery.expiresAt, now: self.clock())
    }

    package func send(_ deliveries: [Delivery], logger: Logger) async -> [DeliveryReport] {
        guard let first = deliveries.first else { return [] }
        let message: XiaomiMessage
        do throws(XiaomiMessageProblem) {
            message = try self.message(for: first)
        } catch {
            return deliveries.map { _ in error.report }
        }
        let tokens = deliveries.map(\.target.token)
        var request = VendorHTTPRequest.form(
            url: self.sendURL, fields: [("registration_id", tokens.joined(separator: ","))] + message.fields)
        request.headers.add(name: "Authorization", value: "key=\(self.configuration.appSecret)")
        switch await self.transport.send(request, logger: logger) {
        case .failed(let stage, let detail):
            logger.debug("xiaomi send failed", metadata: ["push.stage": "\(stage)", "push.error": "\(detail)"])
            return DeliveryReport.each(of: tokens.count, .transportFailure(at: stage), detail)
        case .answered(let response):
            let reports = self.classifier.reports(response, tokens: tokens)
            switch reports.first?.outcome {
            case .retryable(_, .authentication?):
                logger.error(
                    "xiaomi refused the app secret or package; check app_secret and package",
                    metadata: ["push.vendor_answer": "\(response.bodyForLog)"])
            case .permanent:
                logger.warning(
                    "xiaomi refused the message",
                    metadata: [
                        "push.status": "\(response.status.code)", "push.vendor_answer": "\(response.bodyForLog)",
                    ])
            default:
                break
            }
            return reports
        }
    }

    package func shutdown() async {
        await self.transport.shutdown()
    }
}
