import PushgateCore

/// Reads typed members out of parsed JSON objects, recording a `FieldError` with the member's
/// path for each one of the wrong type or out of range. `null` reads as absent. Paths are
/// built only for an error (`@autoclosure`): a request without one formats none.
struct FieldReader {
    private(set) var errors: [ProblemDocument.FieldError] = []

    mutating func fail(_ field: String, _ detail: String) {
        self.errors.append(.init(field: field, detail: detail))
    }

    private static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }

    /// The members of an object, after reporting each key not in `allowed`.
    mutating func object(
        _ value: JSONValue?, at path: @autoclosure () -> String, allowed: Set<String>
    ) -> [String: JSONValue]? {
        guard case .object(let members)? = value else {
            let path = path()
            self.fail(path.isEmpty ? "(body)" : path, "must be an object")
            return nil
        }
        // Sorted (for a stable error order) only when there is an error to report.
        guard !members.keys.allSatisfy(allowed.contains) else { return members }
        let path = path()
        for key in members.keys.sorted() where !allowed.contains(key) {
            self.fail(Self.path(path, key), "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
        return members
    }

    mutating func string(
        _ fields: [String: JSONValue], _ key: String, in parent: @autoclosure () -> String, allowEmpty: Bool = true,
        required: Bool = false
    ) -> String? {
        switch fields[key] {
        case nil, .null?:
            if required { self.fail(Self.path(parent(), key), "required") }
            return nil
        case .string(let text)?:
            if !allowEmpty && text.isEmpty {
                self.fail(Self.path(parent(), key), "must not be empty")
                return nil
            }
            return text
        default:
            self.fail(Self.path(parent(), key), "must be a string")
            return nil
        }
    }

    mutating func bool(_ fields: [String: JSONValue], _ key: String, in parent: @autoclosure () -> String) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default:
            self.fail(Self.path(parent(), key), "must be true or false")
            return nil
        }
    }

    mutating func integer(
        _ fields: [String: JSONValue], _ key: String, in parent: @autoclosure () -> String, range: ClosedRange<Int>
    ) -> Int? {
        let number: Int
        switch fields[key] {
        case nil, .null?:
            return nil
        case .integer(let value)?:
            number = value
        case .number(let value)? where value == value.rounded() && abs(value) < 1e15:
            number = Int(value)  // 3.0 is an integer written differently.
        default:
            self.fail(Self.path(parent(), key), "must be an integer")
            return nil
        }
        guard range.contains(number) else {
            self.fail(Self.path(parent(), key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func number(
        _ fields: [String: JSONValue], _ key: String, in parent: @autoclosure () -> String, range: ClosedRange<Double>
    ) -> Double? {
        let number: Double
        switch fields[key] {
        case nil, .null?: return nil
        case .integer(let value)?: number = Double(value)
        case .number(let value)?: number = value
        default:
            self.fail(Self.path(parent(), key), "must be a number")
            return nil
        }
        guard range.contains(number) else {
            self.fail(Self.path(parent(), key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    /// A string that must be one of `choices`.
    mutating func oneOf(
        _ fields: [String: JSONValue], _ key: String, in parent: @autoclosure () -> String, _ choices: [String]
    ) -> String? {
        guard let text = self.string(fields, key, in: parent()) else { return nil }
        guard choices.contains(text) else {
            self.fail(Self.path(parent(), key), "must be one of \(choices.joined(separator: ", "))")
            return nil
        }
        return text
    }
}
