import Foundation
import PushgateCore

// Times in the API's documents are RFC 3339 strings.
extension JSONOutput {
    mutating func date(_ value: Date) {
        self.string(RFC3339.format(value))
    }

    mutating func member(_ name: String, _ value: Date?) {
        self.key(name)
        if let value { self.date(value) } else { self.null() }
    }
}
