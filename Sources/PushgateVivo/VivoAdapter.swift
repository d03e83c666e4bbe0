import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PushgateCore
import PushgateHTTPVendor

/// Sends to vivo Push: one regId through `/message/send`; 2…1,000 regIds of one notification by
/// saving the content once (`/message/saveListPayload`, a taskId) and sending it to the list
/// (`/message/pushToList`). Every request carries a `requestId` vivo deduplicates on, the same
/// for every attempt, so vivo itself drops a resend of a push it had.
package final class VivoAdapter: ProviderAdapter {
    package var vendor: Vendor { .vivo }
    package var maxBatchSize: Int { VivoConfiguration.maxTokensPerRequest }
    /// An auth call, a payload save and a list send, and once more after a stale authToken.
    package var longestSend: Duration { self.configuration.transport.requestTimeout * 6 }

    package let configuration: VivoConfiguration
    private let transport: VendorHTTPTransport
    private let authTokens: AccessTokenCache
    private let builder: VivoMessageBuilder
    private let classifier: VivoResponseClassifier
    private let clock: @Sendable () -> Date

    package init(
        configuration: VivoConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.configuration = configuration
        let transport = try VendorHTTPTransport(configuration: configuration.transport, eventLoopGroup: eventLoopGroup)
        self.transport = transport
        self.authTokens = AccessTokenCache(logger: logger) {
            await VivoAuthenticator.fetch(
                configuration: configuration, transport: transport, now: clock(), logger: logger)
        }
        self.builder = VivoMessageBuilder(configuration: configuration)
        self.classifier = VivoResponseClassifier(now: clock)
        self.clock = clock
    }

    package func validate(_ delivery: Delivery) -> DeliveryReport? {
        let token = delivery.target.token
        if token.isEmpty || token.utf8.count > 64 || !token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return DeliveryReport(
                outcome: .invalidToken(reason: .malformedToken, since: nil),
                vendorReason: "a regId is 1…64 printable ASCII characters")
        }
        do throws(VivoMessageProblem) {
            _ = try self.message(for: delivery)
            return nil
        } catch {
            return error.report
        }
    }

    private func message(for delivery: Delivery) throws(VivoMessageProblem) -> VivoMessage {
        try self.builder.message(
            for: delivery.notification, identity: delivery.notificationID ?? delivery.id,
            expiresAt: delivery.expiresAt, now: self.clock())
    }

    package func send(_ deliveries: [Delivery], logger: Logger) async -> [DeliveryReport] {
        guard let first = deliveries.first else { return [] }
        let message: VivoMessage
        do throws(VivoMessageProblem) {
            message = try self.message(for: first)
        } catch {
            return deliveries.map { _ in error.report }
        }
        let tokens = deliveries.map(\.target.token)
        if message.isOperation && message.pushMode == 0,
            let opening = VivoOperationWindow.nextOpening(after: self.clock())
        {
            // Operation messages sent outside 07:00–23:00 are refused: wait for the window.
            return DeliveryReport.each(
                of: tokens.count, .quotaExhausted(until: opening), "operation messages wait for 07:00 Beijing time")
        }
        var refreshed = false
        while true {
            let authToken: String
            switch await self.authTokens.token() {
            case .success(let token):
                authToken = token
            case .failure(let failure):
                return DeliveryReport.each(
                    of: tokens.count, .retryable(after: nil, stage: .authentication), failure.description)
            }
            let reports =
                deliveries.count == 1
                ? await self.sendOne(first, message: message, authToken: authToken, logger: logger)
                : await self.sendList(deliveries, message: message, authToken: authToken, logger: logger)
            guard case .authRefresh = reports.first?.outcome else { return reports }
            await self.authTokens.invalidate(authToken)
            if refreshed {
                logger.error("vivo refused a fresh authToken; check app_id, app_key and app_secret")
                return DeliveryReport.each(
                    of: tokens.count, .retryable(after: nil, stage: .authentication), "authToken refused twice")
            }
            refreshed = true
        }
    }

    private func sendOne(
        _ delivery: Delivery, message: VivoMessage, authToken: String, logger: Logger
    ) async -> [DeliveryReport] {
        let body = message.single(
            appID: self.configuration.appID, regID: delivery.target.token, requestID: delivery.id.lowercasedString)
        return await self.post(
            "/message/send", body: body, authToken: authToken, tokens: [delivery.target.token], logger: logger)
    }

    private func sendList(
        _ deliveries: [Delivery], message: VivoMessage, authToken: String, logger: Logger
    ) async -> [DeliveryReport] {
        let tokens = deliveries.map(\.target.token)
        // The same notification to the same regIds gets the same request ids on every attempt.
        let batchID = Self.batchID(notification: deliveries[0].notificationID ?? deliveries[0].id, tokens: tokens)
        let saved = await self.transport.send(
            self.request(
                "/message/saveListPayload",
                message.listPayload(appID: self.configuration.appID, requestID: "p" + batchID), authToken),
            logger: logger)
        guard case .answered(let response) = saved else {
            // Saving content delivers nothing, so even an unanswered save is safe to retry.
            guard case .failed(let stage, let detail) = saved else { preconditionFailure("answered handled") }
            return DeliveryReport.each(
                of: tokens.count, .retryable(after: nil, stage: stage.vendorMayHaveReceived ? nil : stage), detail)
        }
        let answer = VivoAnswer(response)
        guard answer.result == 0, let taskID = answer.taskID else {
            return self.logged(self.classifier.reports(response, tokens: tokens), response: response, logger: logger)
        }
        let body = message.pushToList(
            appID: self.configuration.appID, regIDs: tokens, taskID: taskID, requestID: "l" + batchID)
        return await self.post("/message/pushToList", body: body, authToken: authToken, tokens: tokens, logger: logger)
    }

    private func post(
        _ path: String, body: ByteBuffer, authToken: String, tokens: [String], logger: Logger
    ) async -> [DeliveryReport] {
        switch await self.transport.send(self.request(path, body, authToken), logger: logger) {
        case .failed(let stage, let detail):
            logger.debug("vivo send failed", metadata: ["push.stage": "\(stage)", "push.error": "\(detail)"])
            return DeliveryReport.each(of: tokens.count, .transportFailure(at: stage), detail)
        case .answered(let response):
            return self.logged(self.classifier.reports(response, tokens: tokens), response: response, logger: logger)
        }
    }

    private func request(_ path: String, _ body: ByteBuffer, _ authToken: String) -> VendorHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "authToken", value: authToken)
        return .json(url: self.configuration.endpoint + path, body: body, headers: headers)
    }

    private func logged(_ reports: [DeliveryReport], response: VendorHTTPResponse, logger: Logger) -> [DeliveryReport] {
        if case .permanent = reports.first?.outcome {
            logger.warning(
                "vivo refused the message",
                metadata: ["push.status": "\(response.status.code)", "push.vendor_answer": "\(response.bodyForLog)"])
        }
        return reports
    }

    /// 32 hex characters from the notification and its regIds: at most 33 with the prefix, under vivo's 64.
    static func batchID(notification: UUID, tokens: [String]) -> String {
        let text = notification.lowercasedString + "|" + tokens.sorted().joined(separator: ",")
        return SHA256.hash(data: Array(text.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    package func shutdown() async {
        await self.transport.shutdown()
    }
}
