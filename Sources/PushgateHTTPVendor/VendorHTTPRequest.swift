import Foundation
import NIOCore
import NIOHTTP1
import PushgateCore

/// One request to a vendor's HTTP API, as the transport sends it.
package struct VendorHTTPRequest: Sendable {
    package var method: HTTPMethod
    package var url: String
    package var headers: HTTPHeaders
    package var body: ByteBuffer?

    package init(method: HTTPMethod = .POST, url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A POST of compact JSON.
    package static func json(url: String, body: ByteBuffer, headers: HTTPHeaders = [:]) -> VendorHTTPRequest {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json;charset=UTF-8")
        return VendorHTTPRequest(url: url, headers: headers, body: body)
    }

    /// A POST of an `application/x-www-form-urlencoded` form, every value percent-encoded.
    package static func form(url: String, fields: [(String, String)]) -> VendorHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded;charset=utf-8")
        return VendorHTTPRequest(url: url, headers: headers, body: ByteBuffer(string: FormEncoding.encode(fields)))
    }
}

/// What came back from one request: the vendor's answer, or where the exchange failed.
package enum VendorHTTPResult: Sendable {
    case answered(VendorHTTPResponse)
    /// No complete answer. `stage.vendorMayHaveReceived` tells whether the request may have
    /// reached the vendor (ambiguous) or certainly did not.
    case failed(stage: FailureStage, detail: String)
}

/// A vendor's complete answer.
package struct VendorHTTPResponse: Sendable {
    package var status: HTTPResponseStatus
    package var headers: HTTPHeaders
    package var body: ByteBuffer

    package init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as a JSON object, or nil when it is not one (an error page, an empty body).
    package var jsonObject: [String: JSONValue]? {
        (try? JSONParser.parse(Array(self.body.readableBytesView)))?.objectValue
    }

    /// The body as text, shortened for logs (vendors' error bodies are small; a huge one is a bug).
    package var bodyForLog: String {
        let text = String(buffer: self.body)
        return text.count > 512 ? String(text.prefix(512)) + "…" : text
    }

    /// `Retry-After` in seconds, when the vendor gave one.
    package var retryAfter: Duration? {
        guard let value = self.headers.first(name: "Retry-After"), let seconds = Int(value), seconds >= 0 else {
            return nil
        }
        return .seconds(seconds)
    }
}
