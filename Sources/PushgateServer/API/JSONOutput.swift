import Foundation
import PushgateCore

/// Writes compact JSON with members in the order they are written.
///
/// Why not `JSONEncoder` or `JSONWriter`: response documents read best with `id` first and
/// `errors` last, and the 202 body is built on every accepted request, where one pass over a
/// byte array beats `Codable`'s containers. `JSONWriter` (Core) writes dictionaries, whose
/// order is random; it still writes the free-form `JSONValue`s embedded here.
struct JSONOutput {
    private(set) var bytes: [UInt8] = []
    /// Per open container: whether a member or element was written yet (for commas).
    private var hasMembers: [Bool] = []
    /// A key was just written: its value takes no comma.
    private var pendingValue = false

    init(capacity: Int = 256) {
        self.bytes.reserveCapacity(capacity)
    }

    /// Writes one object and returns its bytes.
    static func object(_ body: (inout JSONOutput) -> Void) -> [UInt8] {
        var output = JSONOutput()
        output.beginObject()
        body(&output)
        output.endObject()
        return output.bytes
    }

    mutating func beginObject() {
        self.separate()
        self.bytes.append(UInt8(ascii: "{"))
        self.hasMembers.append(false)
    }

    mutating func endObject() {
        self.hasMembers.removeLast()
        self.bytes.append(UInt8(ascii: "}"))
    }

    mutating func beginArray() {
        self.separate()
        self.bytes.append(UInt8(ascii: "["))
        self.hasMembers.append(false)
    }

    mutating func endArray() {
        self.hasMembers.removeLast()
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Starts a member of the current object: the value written next belongs to it.
    mutating func key(_ name: String) {
        self.separate()
        Self.writeString(name, into: &self.bytes)
        self.bytes.append(UInt8(ascii: ":"))
        self.pendingValue = true
    }

    /// A comma before every member or element but the first of its container.
    private mutating func separate() {
        if self.pendingValue {
            self.pendingValue = false
            return
        }
        guard let last = self.hasMembers.indices.last else { return }
        if self.hasMembers[last] { self.bytes.append(UInt8(ascii: ",")) }
        self.hasMembers[last] = true
    }

    mutating func string(_ value: String) {
        self.separate()
        Self.writeString(value, into: &self.bytes)
    }

    mutating func integer(_ value: Int) {
        self.separate()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    mutating func integer(_ value: Int64) {
        self.separate()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ value: Bool) {
        self.separate()
        self.bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func null() {
        self.separate()
        self.bytes.append(contentsOf: "null".utf8)
    }

    mutating func date(_ value: Date) {
        self.string(RFC3339.format(value))
    }

    /// A value that is JSON already (a stored document embedded as it is).
    mutating func raw(_ json: [UInt8]) {
        self.separate()
        self.bytes.append(contentsOf: json)
    }

    /// A free-form value (stored overrides, custom data).
    mutating func value(_ value: JSONValue) {
        self.separate()
        // Only non-finite numbers fail, and the parser never produces them.
        if (try? JSONWriter.write(value, into: &self.bytes)) == nil {
            self.bytes.append(contentsOf: "null".utf8)
        }
    }

    // Convenience members.

    mutating func member(_ name: String, _ value: String) {
        self.key(name)
        self.string(value)
    }

    mutating func member(_ name: String, _ value: String?) {
        self.key(name)
        if let value { self.string(value) } else { self.null() }
    }

    mutating func member(_ name: String, _ value: Bool) {
        self.key(name)
        self.bool(value)
    }

    mutating func member(_ name: String, _ value: Int) {
        self.key(name)
        self.integer(value)
    }

    mutating func member(_ name: String, _ value: Int?) {
        self.key(name)
        if let value { self.integer(value) } else { self.null() }
    }

    mutating func member(_ name: String, _ value: Date?) {
        self.key(name)
        if let value { self.date(value) } else { self.null() }
    }

    /// Quotes and escapes `"`, `\` and the control characters (RFC 8259 §7): Core's writer.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        JSONWriter.writeString(text, into: &output)
    }
}
