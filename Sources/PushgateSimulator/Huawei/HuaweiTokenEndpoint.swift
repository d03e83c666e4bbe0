import Foundation
import NIOCore

/// `POST /oauth2/v3/token` of `oauth-login.cloud.huawei.com`: OAuth 2.0 client credentials (VENDORS.md §1.1).
///
/// Checks in this order, each HTTP 400 `{"error":…,"sub_error":…,"error_description":…}`: grant type, client ID
/// format, client ID known, client secret; then the app's grant rate (HTTP 503).
struct HuaweiTokenEndpoint: Sendable {
    let apps: [String: String]
    let expiresInSeconds: Int64
    let state: HuaweiSimulatorState

    /// `^[0-9]{1,64}$`, Huawei's client ID format.
    static func isWellFormedClientID(_ clientID: String) -> Bool {
        (1...64).contains(clientID.utf8.count)
            && clientID.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    func handle(_ request: HTTPVendorRequest) -> HTTPVendorResponse {
        // A body that is not form-encoded has no fields Huawei can read, so it fails on grant_type.
        let fields = request.mediaType == "application/x-www-form-urlencoded" ? request.formFields : [:]
        // 1102/20001 is assumed: Huawei documents neither the code nor the text for a wrong grant_type.
        guard fields["grant_type"] == "client_credentials" else {
            return self.reject(error: 1102, subError: 20001, "unsupported grant_type")
        }
        guard let clientID = fields["client_id"], Self.isWellFormedClientID(clientID) else {
            return self.reject(error: 1101, subError: 20002, "invalid client_id")
        }
        guard let secret = self.apps[clientID] else {
            return self.reject(error: 1101, subError: 20003, "client_id not found")
        }
        guard fields["client_secret"] == secret else {
            return self.reject(error: 1101, subError: 12304, "invalid client_secret")
        }
        switch self.state.grant(appID: clientID, now: .now(), accessToken: Self.makeAccessToken()) {
        case .granted(let accessToken):
            return .json(
                .ok,
                #"{"access_token":"\#(accessToken)","expires_in":\#(self.expiresInSeconds),"token_type":"Bearer"}"#
            )
        case .flowControlled:
            // The body is assumed: Huawei documents only the 503 status for a flow-controlled token request.
            return .json(
                .serviceUnavailable,
                #"{"error":1203,"sub_error":11205,"error_description":"flow control"}"#
            )
        }
    }

    private func reject(error: Int, subError: Int, _ description: String) -> HTTPVendorResponse {
        self.state.recordGrantRejection()
        return .json(
            .badRequest,
            #"{"error":\#(error),"sub_error":\#(subError),"error_description":\#(JSONText.quoted(description))}"#
        )
    }

    /// 64 random bytes in standard base64, so the token holds `+`, `/` and `=` as Huawei's do (`CgB6e3x9…==`); the
    /// first three bytes are fixed to make sure of `+` and `/`, which clients must not mangle.
    static func makeAccessToken() -> String {
        var bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<61 {
            bytes.append(generator.next())
        }
        return Data(bytes).base64EncodedString()
    }
}
