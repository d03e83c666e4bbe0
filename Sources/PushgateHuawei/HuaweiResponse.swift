import Foundation
import NIOCore
import PushgateCore
import PushgateHTTPVendor

/// Huawei's answer to a send: `{"code":"80000000","msg":"Success","requestId":"…"}`, `code` a
/// string (a number is accepted too), and for a partial success `msg` a JSON text naming the
/// refused tokens: `illegal_tokens` (v1) or `illegalTokens` grouped by reason (v3).
struct HuaweiResponse: Sendable {
    var code: String?
    var message: String?
    var requestID: String?

    init(code: String?, message: String?, requestID: String?) {
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// Parses the body whatever the HTTP status (Huawei puts its code in 4xx and 5xx bodies
    /// too); a body without a code leaves the status to decide.
    init(_ response: VendorHTTPResponse) {
        let object = response.jsonObject
        self.code = Self.text(object?["code"])
        self.message = Self.text(object?["msg"])
        self.requestID = Self.text(object?["requestId"])
    }

    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text.isEmpty ? nil : text
        case .integer(let number)?: String(number)
        case .number(let number)?: String(number)
        default: nil
        }
    }

    /// The refused tokens of a partial success, each with Huawei's reason when v3 gave one
    /// (`tokenFormatError`, `noRight`, …); nil when `msg` names none.
    var refusedTokens: [String: String?]? {
        guard let message, let data = message.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data, options: [])) as? [String: Any]
        else { return nil }
        var refused: [String: String?] = [:]
        if let flat = object["illegal_tokens"] as? [String] {
            for token in flat { refused[token] = .some(nil) }
        }
        if let grouped = object["illegalTokens"] as? [String: Any] {
            for (reason, tokens) in grouped {
                for token in tokens as? [String] ?? [] { refused[token] = .some(reason) }
            }
        }
        return refused
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
