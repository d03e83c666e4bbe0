/// A configuration or set-up problem in one of the simulators; the message names what is wrong, never a secret.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for people.
    public var message: String

    /// Creates an error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
