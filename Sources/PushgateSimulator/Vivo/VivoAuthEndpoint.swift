import Crypto
import Foundation
import NIOCore

/// `POST /message/auth` (VENDORS.md §3.1): JSON `{"appId","appKey","timestamp","sign"}` → an `authToken`.
///
/// Checks in this order, each HTTP 200 `{"result":N,"desc":"…"}`: appId present (10200), appKey present (10201), the
/// app known and the appKey its own (10202), the app's calls this second (10072), the timestamp within 10 minutes of
/// `Configuration.now` (10204), the sign (10203). Only 10200 and 10201 are documented; the others are assumed.
struct VivoAuthEndpoint: Sendable {
    static let maximumClockSkewMilliseconds: Int64 = 600_000

    let apps: [String: VivoSimulator.App]
    let now: @Sendable () -> Date
    let state: VivoSimulatorState

    func handle(_ request: HTTPVendorRequest) -> HTTPVendorResponse {
        switch self.authorize(VendorJSON.parse(request.body.readableBytesView)?.objectValue ?? [:]) {
        case .success(let authToken):
            return .json(.ok, #"{"result":0,"desc":"请求成功","authToken":"\#(authToken)"}"#)
        case .failure(let rejection):
            return .json(.ok, rejection.jsonBody)
        }
    }

    private func authorize(_ body: [String: VendorJSON]) -> Result<String, VivoRejection> {
        let appID: String
        switch body["appId"] {
        case .integer(let value)?: appID = String(value)
        case .string(let text)? where !text.isEmpty: appID = text
        default: return self.reject(.appIDMissing)
        }
        guard let appKey = body["appKey"]?.stringValue, !appKey.isEmpty else { return self.reject(.appKeyMissing) }
        guard let app = self.apps[appID], app.appKey == appKey else { return self.reject(.appNotFound) }
        guard self.state.admitAuthCall(appID: appID, now: .now()) else { return .failure(.tooFrequent) }

        let timestampText: String
        let timestamp: Int64
        switch body["timestamp"] {
        case .integer(let value)?:
            timestampText = String(value)
            timestamp = value
        case .string(let text)?:
            guard let value = Int64(text) else { return self.reject(.timestampInvalid) }
            timestampText = text
            timestamp = value
        default:
            return self.reject(.timestampInvalid)
        }
        let nowMilliseconds = Int64((self.now().timeIntervalSince1970 * 1000).rounded())
        guard abs(nowMilliseconds - timestamp) <= Self.maximumClockSkewMilliseconds else {
            return self.reject(.timestampInvalid)
        }
        guard let sign = body["sign"]?.stringValue,
            sign == Self.sign(appID: appID, appKey: appKey, timestamp: timestampText, appSecret: app.appSecret)
        else { return self.reject(.signInvalid) }

        let authToken = UUID().uuidString.lowercased()
        self.state.issue(authToken: authToken, appID: appID, now: .now())
        return .success(authToken)
    }

    private func reject(_ rejection: VivoRejection) -> Result<String, VivoRejection> {
        self.state.recordAuthRejection()
        return .failure(rejection)
    }

    /// Lowercase hex `md5(trim(appId + appKey + timestamp + appSecret))`.
    static func sign(appID: String, appKey: String, timestamp: String, appSecret: String) -> String {
        let text = (appID + appKey + timestamp + appSecret).trimmingCharacters(in: .whitespacesAndNewlines)
        return Insecure.MD5.hash(data: Data(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
