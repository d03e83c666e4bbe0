import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Reads one request on one HTTP/2 stream and answers it the way APNs would, writing frame payloads directly.
///
/// Order of checks, one reason per answer: headers (`APNSRequestValidator.validateHeaders`) → authentication
/// (`APNSConnectionHandler.authenticate`) → device token → payload → fault rules → accept. `refuseStream`
/// faults are applied as soon as the headers arrive, before anything else.
final class APNSStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum State {
        case awaitingHeaders
        case readingBody
        /// Outcome decided (maybe answered later, maybe never).
        case finished
        /// Above GOAWAY's last stream: never processed.
        case ignored
    }

    /// Bodies are kept only up to this size; longer ones are counted, not stored (they only need a 413).
    private static let maximumKeptBody = 5121

    private let connection: APNSConnectionHandler
    private let server: APNSServerContext
    private var state = State.awaitingHeaders
    private var head = APNSRequestHead()
    private var body: ByteBuffer?
    private var bodyLength = 0
    private var admitted = false
    private var isGoAwayTrigger = false

    init(connection: APNSConnectionHandler, server: APNSServerContext) {
        self.connection = connection
        self.server = server
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.admitted {
            self.admitted = false
            self.connection.streamClosed()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let headers):
            switch self.state {
            case .awaitingHeaders:
                self.requestHeadersArrived(context: context, headers: headers.headers, endStream: headers.endStream)
            case .readingBody where headers.endStream:  // trailers
                self.requestComplete(context: context)
            default:
                break
            }
        case .data(let data):
            guard case .readingBody = self.state else { return }
            if case .byteBuffer(var buffer) = data.data, buffer.readableBytes > 0 {
                self.bodyLength += buffer.readableBytes
                if self.body == nil {
                    self.body = buffer
                } else if self.bodyLength <= Self.maximumKeptBody {
                    self.body?.writeBuffer(&buffer)
                }
            }
            if data.endStream {
                self.requestComplete(context: context)
            }
        default:
            break
        }
    }

    // MARK: Reading

    private func requestHeadersArrived(context: ChannelHandlerContext, headers: HPACKHeaders, endStream: Bool) {
        self.head = APNSRequestHead(headers: headers)
        let streamID = (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)) ?? .rootStream
        let isSimulatorEndpoint = self.head.isSimulatorEndpoint
        switch self.connection.admitRequest(streamID: streamID, countsTowardGoAway: !isSimulatorEndpoint) {
        case .ignore:
            self.state = .ignored
            return
        case .process(let isGoAwayTrigger):
            self.admitted = true
            self.isGoAwayTrigger = isGoAwayTrigger
        }

        if !isSimulatorEndpoint, let token = self.head.deviceTokenInPath,
            self.server.faults.refusesStream(forDeviceToken: token)
        {
            self.state = .finished
            self.server.store.recordRefusedStream()
            context.writeAndFlush(self.wrapOutboundOut(.rstStream(.refusedStream)), promise: nil)
            self.connection.requestCompleted(isGoAwayTrigger: self.isGoAwayTrigger, pushAccepted: nil)
            return
        }

        self.state = .readingBody
        if endStream {
            self.requestComplete(context: context)
        }
    }

    private func requestComplete(context: ChannelHandlerContext) {
        self.state = .finished
        if self.head.isSimulatorEndpoint {
            self.answerSimulatorEndpoint(context: context)
        } else {
            self.process(context: context)
        }
    }

    // MARK: Deciding

    private func process(context: ChannelHandlerContext) {
        let request: APNSRequestValidator.Request
        switch self.server.validator.validateHeaders(self.head, checksAllowedTopics: !self.server.usesCertificateAuth) {
        case .failure(let rejection):
            return self.reject(context: context, rejection, apnsID: nil)
        case .success(let validated):
            request = validated
        }
        if let rejection = self.connection.authenticate(self.head, request: request) {
            return self.reject(context: context, rejection, apnsID: request.apnsID)
        }
        if let rejection = self.server.validator.validateDeviceToken(request.deviceToken) {
            return self.reject(context: context, rejection, apnsID: request.apnsID)
        }
        if let rejection = self.server.validator.validatePayload(
            self.body,
            length: self.bodyLength,
            pushType: request.pushType
        ) {
            return self.reject(context: context, rejection, apnsID: request.apnsID)
        }
        self.body = nil

        let apnsID = request.apnsID ?? self.connection.makeAPNSID()
        // Echo the client's apns-id verbatim; generated ones are upper case like APNs's.
        let apnsIDText = self.head.apnsID ?? apnsID.uppercaseString
        guard let fault = self.server.faults.fault(forDeviceToken: request.deviceToken) else {
            return self.accept(context: context, apnsID: apnsID, apnsIDText: apnsIDText, countedEarlier: false)
        }
        switch fault {
        case .respond(let status, let reason):
            self.reject(context: context, APNSRejection(status, reason), apnsID: apnsID)
        case .failFirst(let times, let status, let reason):
            if self.server.store.failFirstShouldFail(apnsID, times: times) {
                self.reject(context: context, APNSRejection(status, reason), apnsID: apnsID)
            } else {
                self.accept(context: context, apnsID: apnsID, apnsIDText: apnsIDText, countedEarlier: false)
            }
        case .delay(let delay):
            self.server.store.recordDelayed()
            context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                // The client may have given up meanwhile; then there is no one to accept for.
                guard context.channel.isActive else {
                    self.connection.requestCompleted(isGoAwayTrigger: self.isGoAwayTrigger, pushAccepted: nil)
                    return
                }
                self.accept(context: context, apnsID: apnsID, apnsIDText: apnsIDText, countedEarlier: true)
            }
        case .slow:
            // APNSFaultTable turns `slow` into `delay`; kept for exhaustiveness.
            self.accept(context: context, apnsID: apnsID, apnsIDText: apnsIDText, countedEarlier: false)
        case .neverAnswer:
            self.server.store.recordUnanswered()
            self.connection.requestCompleted(isGoAwayTrigger: self.isGoAwayTrigger, pushAccepted: nil)
        case .dropConnection:
            self.server.store.recordDroppedConnection()
            self.logFault("dropConnection", request: request)
            self.connection.dropConnection()
        case .acceptThenDropConnection:
            self.server.store.recordAccepted(apnsID)
            self.logFault("acceptThenDropConnection", request: request)
            self.connection.dropConnection()
        case .refuseStream:
            // Not reached: the same first matching rule already refused the stream when its headers arrived.
            self.server.store.recordRefusedStream()
            context.writeAndFlush(self.wrapOutboundOut(.rstStream(.refusedStream)), promise: nil)
            self.connection.requestCompleted(isGoAwayTrigger: self.isGoAwayTrigger, pushAccepted: nil)
        }
    }

    // MARK: Answering

    private func accept(context: ChannelHandlerContext, apnsID: APNSID, apnsIDText: String, countedEarlier: Bool) {
        if countedEarlier {
            self.server.store.recordDelayedAccepted(apnsID)
        } else {
            self.server.store.recordAccepted(apnsID)
        }
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        headers.add(name: "apns-id", value: apnsIDText, indexing: .nonIndexable)
        context.writeAndFlush(self.wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
        self.connection.requestCompleted(isGoAwayTrigger: self.isGoAwayTrigger, pushAccepted: true)
    }

    private func reject(context: ChannelHandlerContext, _ rejection: APNSRejection, apnsID: APNSID?) {
        self.server.store.recordRejected(rejection.reason)
        self.server.logger.debug(
            "APNs request rejected",
            metadata: [
                "apns.reason": "\(rejection.reason)",
                "apns.status": "\(rejection.status)",
                "apns.device_token_suffix": "\(self.deviceTokenSuffix)",
            ]
        )
        // Echo a well-formed client apns-id verbatim; otherwise make one, as APNs does.
        let apnsIDText: String
        if let sent = self.head.apnsID, APNSID(parsing: sent) != nil {
            apnsIDText = sent
        } else {
            apnsIDText = (apnsID ?? self.connection.makeAPNSID()).uppercaseString
        }
        self.writeJSON(
            context: context,
            status: rejection.status,
            apnsID: apnsIDText,
            body: Self.errorBody(rejection, now: self.server.clock())
        )
        self.connection.requestCompleted(isGoAwayTrigger: self.isGoAwayTrigger, pushAccepted: false)
    }

    private func writeJSON(context: ChannelHandlerContext, status: Int, apnsID: String?, body: String) {
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: String(status))
        headers.add(name: "content-type", value: "application/json")
        if let apnsID {
            headers.add(name: "apns-id", value: apnsID, indexing: .nonIndexable)
        }
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        context.write(self.wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        context.writeAndFlush(
            self.wrapOutboundOut(.data(.init(data: .byteBuffer(buffer), endStream: true))),
            promise: nil
        )
    }

    /// `{"reason":"…"}`, plus `timestamp` (milliseconds since the epoch) for 410.
    static func errorBody(_ rejection: APNSRejection, now: Date) -> String {
        if rejection.status == 410 {
            let milliseconds = Int64(now.timeIntervalSince1970 * 1000)
            return #"{"reason":"\#(rejection.reason)","timestamp":\#(milliseconds)}"#
        }
        return #"{"reason":"\#(rejection.reason)"}"#
    }

    private func answerSimulatorEndpoint(context: ChannelHandlerContext) {
        let counters: APNSSimulator.Counters
        switch (self.head.method, self.head.path) {
        case ("GET", "/_sim/counters"):
            counters = self.server.store.snapshot()
        case ("POST", "/_sim/reset"):
            counters = self.server.store.reset()
        case (_, "/_sim/counters"), (_, "/_sim/reset"):
            self.writeJSON(
                context: context,
                status: 405,
                apnsID: nil,
                body: Self.errorBody(.methodNotAllowed, now: Date())
            )
            return self.connection.requestCompleted(isGoAwayTrigger: false, pushAccepted: nil)
        default:
            self.writeJSON(context: context, status: 404, apnsID: nil, body: Self.errorBody(.badPath, now: Date()))
            return self.connection.requestCompleted(isGoAwayTrigger: false, pushAccepted: nil)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(counters)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        self.writeJSON(context: context, status: 200, apnsID: nil, body: json)
        self.connection.requestCompleted(isGoAwayTrigger: false, pushAccepted: nil)
    }

    // MARK: Logging

    /// At most the last 6 characters of the device token: enough to find a test case, never the whole token.
    private var deviceTokenSuffix: Substring {
        self.head.deviceTokenInPath?.suffix(6) ?? ""
    }

    private func logFault(_ fault: String, request: APNSRequestValidator.Request) {
        self.server.logger.debug(
            "APNs fault injected",
            metadata: ["apns.fault": "\(fault)", "apns.device_token_suffix": "\(request.deviceToken.suffix(6))"]
        )
    }
}

@available(*, unavailable)
extension APNSStreamHandler: Sendable {}
