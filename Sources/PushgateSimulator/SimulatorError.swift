/// A configuration or set-up problem in one of the simulators; the message names what is wrong, never a secret.
package struct SimulatorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for people.
    package var message: String

    /// Creates an error with the given message.
    package init(_ message: String) {
        self.message = message
    }

    package var description: String { self.message }
}
