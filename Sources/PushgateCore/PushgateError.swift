/// An error Pushgate raises for configuration, input and transport failures. Its description
/// never contains a secret or a full device token.
public struct PushgateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; an extensible set.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case invalidInput
            case credentials
            case transport
            case shutdown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let invalidConfiguration = Code(.invalidConfiguration)
        public static let invalidInput = Code(.invalidInput)
        public static let credentials = Code(.credentials)
        public static let transport = Code(.transport)
        public static let shutdown = Code(.shutdown)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    public var message: String
    /// For transport failures: where the send failed.
    public var stage: FailureStage?

    public init(code: Code, message: String, stage: FailureStage? = nil) {
        self.code = code
        self.message = message
        self.stage = stage
    }

    public var description: String {
        if let stage { return "\(self.message) (stage: \(stage.rawValue))" }
        return self.message
    }

    public static func invalidConfiguration(_ message: String) -> PushgateError {
        PushgateError(code: .invalidConfiguration, message: message)
    }

    public static func invalidInput(_ message: String) -> PushgateError {
        PushgateError(code: .invalidInput, message: message)
    }

    public static func credentials(_ message: String) -> PushgateError {
        PushgateError(code: .credentials, message: message)
    }
}
