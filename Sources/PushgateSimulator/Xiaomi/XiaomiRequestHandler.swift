import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Routes each request of the Xiaomi simulator: the regid send endpoints and the `/_sim/` endpoints.
///
/// `POST /v2/message/regid`, `/v3/message/regid` and `/v4/message/regid` check, in this order: `Authorization:
/// key=<secret>` (21301) → `XiaomiMessageValidator` (22022, 10016, 10017, 65009, 27001, 65014, 65015) → faults by
/// regid prefix (`XiaomiFault`) → the app's daily quota (10034) → per-regid acceptance (`BAD…` regids are invalid:
/// `bad_regids`, or 20301 when all are). Business errors are HTTP 200, as Xiaomi's are.
struct XiaomiRequestHandler: HTTPVendorHandler {
    /// Send path → whether `restricted_package_name` may list several packages (v2 takes a single package).
    private static let sendPaths: [String: Bool] = [
        "/v2/message/regid": false,
        "/v3/message/regid": true,
        "/v4/message/regid": true,
    ]

    private let apps: [String: Set<String>]
    private let validator: XiaomiMessageValidator
    private let state: XiaomiSimulatorState
    private let slowDelay: Duration
    private let logger: Logger

    init(configuration: XiaomiSimulator.Configuration, state: XiaomiSimulatorState, logger: Logger) {
        self.apps = configuration.apps.mapValues(Set.init)
        self.validator = XiaomiMessageValidator(
            channels: configuration.channels,
            maximumTimeToLiveMilliseconds: configuration.maximumTimeToLiveMilliseconds
        )
        self.state = state
        self.slowDelay = configuration.slowDelay
        self.logger = logger
    }

    func handle(_ request: HTTPVendorRequest) -> HTTPVendorAction {
        if let allowsPackageList = Self.sendPaths[request.path] {
            guard request.method == .POST else {
                return .respond(
                    HTTPVendorResponse(
                        status: .methodNotAllowed,
                        headers: ["allow": "POST", "content-type": "text/plain;charset=UTF-8"],
                        body: "Method Not Allowed"
                    )
                )
            }
            return self.send(request, allowsPackageList: allowsPackageList)
        }
        switch (request.method, request.path) {
        case (.GET, "/_sim/counters"):
            return .respond(.json(.ok, encoding: self.state.snapshot()))
        case (.POST, "/_sim/reset"):
            return .respond(.json(.ok, encoding: self.state.reset()))
        default:
            return .respond(
                HTTPVendorResponse(
                    status: .notFound,
                    headers: ["content-type": "text/plain;charset=UTF-8"],
                    body: "Not Found"
                )
            )
        }
    }

    // MARK: Send

    private func send(_ request: HTTPVendorRequest, allowsPackageList: Bool) -> HTTPVendorAction {
        // 1. Authentication: `key=` exactly, lower case, then a known secret.
        guard let secret = Self.appSecret(request.headers.first(name: "authorization")),
            let packages = self.apps[secret]
        else {
            self.state.recordRejected(.authenticationFailed, unknownFields: [])
            return .respond(Self.answer(.authenticationFailed))
        }

        // A body of another type has no parameters Xiaomi can read, so it fails on restricted_package_name.
        let fields = request.mediaType == "application/x-www-form-urlencoded" ? request.formFields : [:]
        let unknownFields = XiaomiMessageValidator.unknownFields(in: fields)
        let now = Date().timeIntervalSince1970
        let message: XiaomiMessage
        switch self.validator.validate(
            fields,
            packages: packages,
            allowsPackageList: allowsPackageList,
            nowMilliseconds: Int64(now * 1000)
        ) {
        case .failure(let rejection):
            self.state.recordRejected(rejection, unknownFields: unknownFields)
            return .respond(Self.answer(rejection))
        case .success(let validated):
            message = validated
        }

        let day = XiaomiSimulatorState.beijingDay(secondsSince1970: now)
        switch self.state.deliver(message, appSecret: secret, day: day, unknownFields: unknownFields) {
        case .reject(let rejection, let delayed):
            return self.respond(Self.answer(rejection), delayed: delayed)
        case .internalServerError:
            return .respond(
                HTTPVendorResponse(
                    status: .internalServerError,
                    headers: ["content-type": "text/plain;charset=UTF-8"],
                    body: "Internal Server Error"
                )
            )
        case .accept(let badRegids, let acceptedCount, let delayed):
            return self.respond(Self.success(acceptedCount: acceptedCount, badRegids: badRegids), delayed: delayed)
        case .drop:
            self.logger.debug("Xiaomi simulator fault injected", metadata: ["xiaomi.fault": "DROP"])
            return .drop
        case .hang:
            self.logger.debug("Xiaomi simulator fault injected", metadata: ["xiaomi.fault": "HANG"])
            return .hang
        }
    }

    private func respond(_ response: HTTPVendorResponse, delayed: Bool) -> HTTPVendorAction {
        delayed ? .respondAfter(self.slowDelay, response) : .respond(response)
    }

    /// The secret of `key=<secret>`; nil when the header is missing, spelled otherwise, or has an empty secret.
    private static func appSecret(_ header: String?) -> String? {
        guard let header, header.hasPrefix("key=") else { return nil }
        let secret = header.dropFirst("key=".count)
        return secret.isEmpty ? nil : String(secret)
    }

    // MARK: Answers

    /// `"result":"ok"`, with `data.bad_regids` (a comma-separated string) when some regids were invalid.
    private static func success(acceptedCount: Int, badRegids: [String]) -> HTTPVendorResponse {
        var data = #"{"id":"\#(self.makeID(prefix: "scm", length: 22))""#
        if !badRegids.isEmpty {
            data += #","bad_regids":\#(JSONText.quoted(badRegids.joined(separator: ",")))"#
        }
        data += "}"
        return .json(
            .ok,
            #"{"result":"ok","code":0,"trace_id":"\#(self.makeID(prefix: "Xcm", length: 24))","description":"成功","#
                + #""info":"Received push messages for \#(acceptedCount) REGID","data":\#(data)}"#
        )
    }

    private static func answer(_ rejection: XiaomiRejection) -> HTTPVendorResponse {
        .json(
            .ok,
            #"{"result":"error","code":\#(rejection.code),"reason":\#(JSONText.quoted(rejection.reason)),"#
                + #""description":\#(JSONText.quoted(rejection.description)),"#
                + #""trace_id":"\#(self.makeID(prefix: "Xcm", length: 24))"}"#
        )
    }

    private static let alphanumerics = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    /// `prefix` followed by random letters and digits up to `length` characters, like Xiaomi's trace and message IDs
    /// (`Xcm…`, `scm…`).
    private static func makeID(prefix: String, length: Int) -> String {
        var bytes = Array(prefix.utf8)
        var generator = SystemRandomNumberGenerator()
        while bytes.count < length {
            bytes.append(self.alphanumerics[Int(generator.next(upperBound: UInt8(self.alphanumerics.count)))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
