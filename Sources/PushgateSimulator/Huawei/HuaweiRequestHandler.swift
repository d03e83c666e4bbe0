import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Routes each request of the Huawei simulator: the token endpoint, the send endpoint, the `/_sim/` endpoints.
///
/// The send endpoint checks, in this order: route (404) → bearer token (401 80200001 / 80200003) → body
/// (`HuaweiMessageValidator`: 80100003, 80300010, 80300008, 80100001, 80100013) → `validate_only` → faults by
/// device-token prefix (`HuaweiFault`) → per-token acceptance (`DEAD…` tokens are illegal).
struct HuaweiRequestHandler: HTTPVendorHandler {
    private static let sendPathPrefix = "/v1/"
    private static let sendPathSuffix = "/messages:send"

    private let tokenEndpoint: HuaweiTokenEndpoint
    private let state: HuaweiSimulatorState
    private let slowDelay: Duration
    private let logger: Logger

    init(configuration: HuaweiSimulator.Configuration, state: HuaweiSimulatorState, logger: Logger) {
        self.tokenEndpoint = HuaweiTokenEndpoint(
            apps: configuration.apps,
            expiresInSeconds: configuration.accessTokenLifetime.components.seconds,
            state: state
        )
        self.state = state
        self.slowDelay = configuration.slowDelay
        self.logger = logger
    }

    func handle(_ request: HTTPVendorRequest) -> HTTPVendorAction {
        if request.method == .POST, let appID = Self.sendPathAppID(request.path) {
            return self.send(request, appID: appID)
        }
        switch (request.method, request.path) {
        case (.POST, "/oauth2/v3/token"):
            return .respond(self.tokenEndpoint.handle(request))
        case (.GET, "/_sim/counters"):
            return .respond(.json(.ok, encoding: self.state.snapshot()))
        case (.POST, "/_sim/reset"):
            return .respond(.json(.ok, encoding: self.state.reset()))
        case (.POST, "/_sim/expire-tokens"):
            self.state.expireAccessTokens()
            return .respond(.json(.ok, "{}"))
        default:
            return .respond(Self.answer(HuaweiRejection(.notFound, "80100001", "Not Found")))
        }
    }

    /// `{appId}` of `/v1/{appId}/messages:send`, when the path has that shape.
    private static func sendPathAppID(_ path: String) -> Substring? {
        guard path.hasPrefix(Self.sendPathPrefix), path.hasSuffix(Self.sendPathSuffix) else { return nil }
        let utf8 = path.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: Self.sendPathPrefix.utf8.count)
        let end = utf8.index(utf8.endIndex, offsetBy: -Self.sendPathSuffix.utf8.count)
        guard start < end else { return nil }
        let appID = path[start..<end]
        return appID.contains("/") ? nil : appID
    }

    // MARK: Send

    private func send(_ request: HTTPVendorRequest, appID: Substring) -> HTTPVendorAction {
        let accessToken = Self.bearerToken(request.headers.first(name: "authorization"))
        switch self.state.authorize(accessToken: accessToken, appID: appID, now: .now()) {
        case .invalid?:
            return .respond(Self.answer(.authenticationError))
        case .expired?:
            return .respond(Self.answer(.tokenExpired))
        case nil:
            break
        }

        var validator = HuaweiMessageValidator()
        let message: HuaweiMessage
        switch validator.validate(request.body.readableBytesView) {
        case .failure(let rejection):
            self.state.recordRejected(rejection, unknownFields: validator.unknownFields)
            return .respond(Self.answer(rejection))
        case .success(let validated):
            message = validated
        }
        if message.validateOnly {
            self.state.recordValidateOnly(unknownFields: validator.unknownFields)
            return .respond(Self.success())
        }

        switch self.state.deliver(message, accessToken: accessToken ?? "", unknownFields: validator.unknownFields) {
        case .reject(let rejection):
            return .respond(Self.answer(rejection))
        case .accept(let illegalTokens, let acceptedCount, let delayed):
            let response =
                illegalTokens.isEmpty
                ? Self.success() : Self.partialSuccess(accepted: acceptedCount, illegalTokens: illegalTokens)
            return delayed ? .respondAfter(self.slowDelay, response) : .respond(response)
        case .drop:
            self.logger.debug("Huawei simulator fault injected", metadata: ["huawei.fault": "DROP"])
            return .drop
        case .hang:
            self.logger.debug("Huawei simulator fault injected", metadata: ["huawei.fault": "HANG"])
            return .hang
        }
    }

    /// The token of `Bearer <token>` (exactly one space, as Huawei requires); nil when missing or malformed.
    private static func bearerToken(_ header: String?) -> Substring? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let token = header.dropFirst("Bearer ".count)
        guard !token.isEmpty, !token.contains(" ") else { return nil }
        return token
    }

    // MARK: Answers

    private static func success() -> HTTPVendorResponse {
        .json(.ok, #"{"code":"80000000","msg":"Success","requestId":"\#(self.makeRequestID())"}"#)
    }

    /// 80100000 with `msg` a JSON string holding `{"success":N,"failure":M,"illegal_tokens":[…]}` (v1 shape).
    private static func partialSuccess(accepted: Int, illegalTokens: [String]) -> HTTPVendorResponse {
        let list = JSONText.array(illegalTokens)
        let inner = #"{"success":\#(accepted),"failure":\#(illegalTokens.count),"illegal_tokens":\#(list)}"#
        return .json(
            .ok,
            #"{"code":"80100000","msg":\#(JSONText.quoted(inner)),"requestId":"\#(self.makeRequestID())"}"#
        )
    }

    private static func answer(_ rejection: HuaweiRejection) -> HTTPVendorResponse {
        guard let code = rejection.code else {
            return .json(rejection.status, #"{"msg":\#(JSONText.quoted(rejection.msg))}"#)
        }
        return .json(
            rejection.status,
            #"{"code":"\#(code)","msg":\#(JSONText.quoted(rejection.msg)),"requestId":"\#(self.makeRequestID())"}"#
        )
    }

    /// 24 digits like Huawei's (`160209653167346065000206`): milliseconds since the epoch, then 11 random digits.
    private static func makeRequestID() -> String {
        let milliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        let random = UInt64.random(in: 0..<100_000_000_000)
        let suffix = String(random)
        return String(milliseconds) + String(repeating: "0", count: 11 - suffix.count) + suffix
    }
}
