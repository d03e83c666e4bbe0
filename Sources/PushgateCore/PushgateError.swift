/// An error Pushgate raises for configuration, input and transport failures. Its description
/// never contains a secret or a full device token.
package struct PushgateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; an extensible set.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case invalidInput
            case credentials
            case transport
            case shutdown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        package static let invalidConfiguration = Code(.invalidConfiguration)
        package static let invalidInput = Code(.invalidInput)
        package static let credentials = Code(.credentials)
        package static let transport = Code(.transport)
        package static let shutdown = Code(.shutdown)

        package var description: String { self.base.rawValue }
    }

    package var code: Code
    package var message: String
    /// For transport failures: where the send failed.
    package var stage: FailureStage?

    package init(code: Code, message: String, stage: FailureStage? = nil) {
        self.code = code
        self.message = message
        self.stage = stage
    }

    package var description: String {
        if let stage { return "\(self.message) (stage: \(stage.rawValue))" }
        return self.message
    }

    package static func invalidConfiguration(_ message: String) -> PushgateError {
        PushgateError(code: .invalidConfiguration, message: message)
    }

    package static func invalidInput(_ message: String) -> PushgateError {
        PushgateError(code: .invalidInput, message: message)
    }

    package static func credentials(_ message: String) -> PushgateError {
        PushgateError(code: .credentials, message: message)
    }
}
