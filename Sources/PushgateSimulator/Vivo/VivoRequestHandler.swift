import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Routes each request of the vivo simulator: auth, single send, list payload and list push, the `/_sim/` endpoints.
///
/// Every call but auth checks, in this order: the `authToken` header (10000) → the body is a JSON object and its
/// `appId` is the token's (10094) → the fields (`VivoMessageValidator`: 10055, 10096, 10097) → then the endpoint's
/// own stages in `VivoSimulatorState` (replay, operation window 10073, faults, invalid regIds, quota 10070).
struct VivoRequestHandler: HTTPVendorHandler {
    private let authEndpoint: VivoAuthEndpoint
    private let state: VivoSimulatorState
    private let validator: VivoMessageValidator
    private let enforceOperationWindow: Bool
    private let now: @Sendable () -> Date
    private let slowDelay: Duration
    private let logger: Logger

    init(configuration: VivoSimulator.Configuration, state: VivoSimulatorState, logger: Logger) {
        self.authEndpoint = VivoAuthEndpoint(apps: configuration.apps, now: configuration.now, state: state)
        self.state = state
        self.validator = VivoMessageValidator(configuration: configuration)
        self.enforceOperationWindow = configuration.enforceOperationWindow
        self.now = configuration.now
        self.slowDelay = configuration.slowDelay
        self.logger = logger
    }

    func handle(_ request: HTTPVendorRequest) -> HTTPVendorAction {
        switch (request.method, request.path) {
        case (.POST, "/message/auth"):
            return .respond(self.authEndpoint.handle(request))
        case (.POST, "/message/send"):
            return self.call(request, endpoint: .send)
        case (.POST, "/message/saveListPayload"):
            return self.call(request, endpoint: .saveListPayload)
        case (.POST, "/message/pushToList"):
            return self.call(request, endpoint: .pushToList)
        case (.GET, "/_sim/counters"):
            return .respond(.json(.ok, encoding: self.state.snapshot()))
        case (.POST, "/_sim/reset"):
            return .respond(.json(.ok, encoding: self.state.reset()))
        case (.POST, "/_sim/expire-tokens"):
            self.state.expireAuthTokens()
            return .respond(.json(.ok, "{}"))
        default:
            // The shape of a Spring Boot 404, the framework vivo's API answers from.
            return .respond(
                .json(.notFound, #"{"status":404,"error":"Not Found","path":\#(JSONText.quoted(request.path))}"#))
        }
    }

    private func call(_ request: HTTPVendorRequest, endpoint: VivoSimulatorState.Endpoint) -> HTTPVendorAction {
        let authToken = request.headers.first(name: "authToken")
        guard let appID = self.state.authorize(authToken: authToken, now: .now()) else {
            return .respond(Self.answer(.authFailed))
        }
        guard let body = VendorJSON.parse(request.body.readableBytesView)?.objectValue else {
            return self.reject(.invalidParameter("body", "must be a JSON object"), unknownFields: [])
        }
        guard Self.appID(body["appId"]) == appID else {
            return self.reject(.appIDMismatch, unknownFields: [])
        }

        var validator = self.validator
        let decision: VivoSimulatorState.Decision
        do throws(VivoRejection) {
            let now = self.now()
            let withinOperationWindow = !self.enforceOperationWindow || BeijingTime.isWithinOperationWindow(now)
            switch endpoint {
            case .send:
                let message = try validator.validateSingle(body)
                decision = self.state.send(
                    message,
                    appID: appID,
                    authToken: authToken ?? "",
                    quotaDay: BeijingTime.day(now),
                    withinOperationWindow: withinOperationWindow,
                    unknownFields: validator.unknownFields
                )
            case .saveListPayload:
                let content = try validator.validateListPayload(body)
                decision = self.state.saveListPayload(
                    content,
                    appID: appID,
                    withinOperationWindow: withinOperationWindow,
                    unknownFields: validator.unknownFields
                )
            case .pushToList:
                let push = try validator.validateListPush(body)
                decision = self.state.pushToList(
                    push,
                    appID: appID,
                    authToken: authToken ?? "",
                    quotaDay: BeijingTime.day(now),
                    withinOperationWindow: withinOperationWindow,
                    unknownFields: validator.unknownFields
                )
            }
        } catch {
            return self.reject(error, unknownFields: validator.unknownFields)
        }

        switch decision {
        case .answer(let body, let delayed):
            let response = HTTPVendorResponse.json(.ok, body)
            return delayed ? .respondAfter(self.slowDelay, response) : .respond(response)
        case .reject(let rejection):
            return .respond(Self.answer(rejection))
        case .drop:
            self.logger.debug("vivo simulator fault injected", metadata: ["vivo.fault": "DROP"])
            return .drop
        case .hang:
            self.logger.debug("vivo simulator fault injected", metadata: ["vivo.fault": "HANG"])
            return .hang
        }
    }

    private func reject(_ rejection: VivoRejection, unknownFields: [String]) -> HTTPVendorAction {
        self.state.recordRejected(rejection, unknownFields: unknownFields)
        return .respond(Self.answer(rejection))
    }

    /// The body's `appId` as text: a JSON integer or a string; nil otherwise.
    private static func appID(_ value: VendorJSON?) -> String? {
        switch value {
        case .integer(let value)?: String(value)
        case .string(let text)?: text
        default: nil
        }
    }

    private static func answer(_ rejection: VivoRejection) -> HTTPVendorResponse {
        guard rejection.result != nil else {
            return HTTPVendorResponse(
                status: .internalServerError,
                headers: ["content-type": "text/plain;charset=UTF-8"],
                body: rejection.desc
            )
        }
        return .json(.ok, rejection.jsonBody)
    }
}
