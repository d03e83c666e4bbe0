/// A push channel Pushgate can deliver through.
///
/// An open set like the vendors' own codes: unknown raw values survive a round trip through
/// storage and configuration so that a newer gateway's rows do not break an older one.
package struct Vendor: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    package var rawValue: String

    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    package static let apns = Vendor(rawValue: "apns")
    package static let huawei = Vendor(rawValue: "huawei")
    package static let xiaomi = Vendor(rawValue: "xiaomi")
    package static let vivo = Vendor(rawValue: "vivo")
    package static let fcm = Vendor(rawValue: "fcm")
    package static let oppo = Vendor(rawValue: "oppo")
    package static let honor = Vendor(rawValue: "honor")

    package var description: String { self.rawValue }

    package init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}
