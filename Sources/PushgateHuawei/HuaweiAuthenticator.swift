import Foundation
import Logging
import PushgateHTTPVendor

/// Huawei's OAuth 2.0 client-credentials grant (VENDORS.md §1.1): `POST /oauth2/v3/token` with a
/// form-encoded client id and secret, answered `{"access_token","expires_in","token_type"}` or
/// `{"error","sub_error","error_description"}`. The secret is never logged.
enum HuaweiAuthenticator {
    static func fetch(
        configuration: HuaweiConfiguration, transport: VendorHTTPTransport, logger: Logger
    ) async -> Result<AccessTokenCache.Grant, AccessTokenCache.Failure> {
        let request = VendorHTTPRequest.form(
            url: configuration.authEndpoint + "/oauth2/v3/token",
            fields: [
                ("grant_type", "client_credentials"),
                ("client_id", configuration.appID),
                ("client_secret", configuration.clientSecret),
            ]
        )
        switch await transport.send(request, logger: logger) {
        case .failed(let stage, let detail):
            return .failure(.init(.unavailable, "token endpoint: \(stage.rawValue): \(detail)"))
        case .answered(let response):
            let object =
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [])) as? [String: Any]
            let status = response.status.code
            if status == 200, let token = object?["access_token"] as? String, !token.isEmpty {
                let seconds = (object?["expires_in"] as? NSNumber)?.intValue ?? 3600
                return .success(.init(token: token, lifetime: .seconds(max(seconds, 1))))
            }
            let error = (object?["error"] as? NSNumber).map { "error \($0)" } ?? "HTTP \(status)"
            let subError = (object?["sub_error"] as? NSNumber).map { " sub_error \($0)" } ?? ""
            let description = (object?["error_description"] as? String).map { ": \($0)" } ?? ""
            let detail = "token endpoint refused: \(error)\(subError)\(description)"
            // 5xx is flow control or Huawei's trouble; 4xx means the app id or secret is wrong.
            return .failure(.init(status >= 500 || status == 429 ? .unavailable : .rejected, detail))
        }
    }
}
