/// A push channel Pushgate can deliver through.
///
/// An open set like the vendors' own codes: unknown raw values survive a round trip through
/// storage and configuration so that a newer gateway's rows do not break an older one.
public struct Vendor: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let apns = Vendor(rawValue: "apns")
    public static let huawei = Vendor(rawValue: "huawei")
    public static let xiaomi = Vendor(rawValue: "xiaomi")
    public static let vivo = Vendor(rawValue: "vivo")
    public static let fcm = Vendor(rawValue: "fcm")
    public static let oppo = Vendor(rawValue: "oppo")
    public static let honor = Vendor(rawValue: "honor")

    public var description: String { self.rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}
