import Foundation

/// Writes compact JSON with members in the order they are written.
///
/// Why not `JSONEncoder` or `JSONWriter`: response documents read best with `id` first and
/// `errors` last, and the 202 body and the stored notification are written for every accepted
/// request, where one pass over a byte array beats `Codable`'s containers and building a
/// dictionary to write. `JSONWriter` writes dictionaries, whose order is random; it still
/// writes the free-form `JSONValue`s embedded here.
package struct JSONOutput {
    package private(set) var bytes: [UInt8] = []
    /// Per open container: whether a member or element was written yet (for commas).
    private var hasMembers: [Bool] = []
    /// A key was just written: its value takes no comma.
    private var pendingValue = false

    package init(capacity: Int = 256) {
        self.bytes.reserveCapacity(capacity)
    }

    /// Writes one object and returns its bytes.
    package static func object(_ body: (inout JSONOutput) -> Void) -> [UInt8] {
        var output = JSONOutput()
        output.beginObject()
        body(&output)
        output.endObject()
        return output.bytes
    }

    package mutating func beginObject() {
        self.separate()
        self.bytes.append(UInt8(ascii: "{"))
        self.hasMembers.append(false)
    }

    package mutating func endObject() {
        self.hasMembers.removeLast()
        self.bytes.append(UInt8(ascii: "}"))
    }

    package mutating func beginArray() {
        self.separate()
        self.bytes.append(UInt8(ascii: "["))
        self.hasMembers.append(false)
    }

    package mutating func endArray() {
        self.hasMembers.removeLast()
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Starts a member of the current object: the value written next belongs to it.
    package mutating func key(_ name: String) {
        self.separate()
        JSONWriter.writeString(name, into: &self.bytes)
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

    package mutating func string(_ value: String) {
        self.separate()
        JSONWriter.writeString(value, into: &self.bytes)
    }

    package mutating func integer(_ value: Int) {
        self.separate()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    package mutating func integer(_ value: Int64) {
        self.separate()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    package mutating func bool(_ value: Bool) {
        self.separate()
        self.bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    package mutating func null() {
        self.separate()
        self.bytes.append(contentsOf: "null".utf8)
    }

    /// A value that is JSON already (a stored document embedded as it is).
    package mutating func raw(_ json: [UInt8]) {
        self.separate()
        self.bytes.append(contentsOf: json)
    }

    /// A free-form value that must be written exactly: a non-finite number throws (and leaves
    /// the output unfinished).
    package mutating func exactValue(_ value: JSONValue) throws(JSONWriter.InvalidValue) {
        self.separate()
        try JSONWriter.write(value, into: &self.bytes)
    }

    /// A free-form value (stored overrides, custom data).
    package mutating func value(_ value: JSONValue) {
        self.separate()
        // Only non-finite numbers fail, and the parser never produces them.
        if (try? JSONWriter.write(value, into: &self.bytes)) == nil {
            self.bytes.append(contentsOf: "null".utf8)
        }
    }

    /// An id in its lowercase form, written straight from its bytes. `prefix` goes before it
    /// inside the same string (a URL path): plain ASCII that needs no escape.
    package mutating func member(_ name: String, _ id: UUID, prefix: String = "") {
        assert(prefix.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        self.key(name)
        self.separate()
        self.bytes.append(UInt8(ascii: "\""))
        self.bytes.append(contentsOf: prefix.utf8)
        id.appendLowercased(to: &self.bytes)
        self.bytes.append(UInt8(ascii: "\""))
    }

    // Convenience members.

    package mutating func member(_ name: String, _ value: String) {
        self.key(name)
        self.string(value)
    }

    package mutating func member(_ name: String, _ value: String?) {
        self.key(name)
        if let value { self.string(value) } else { self.null() }
    }

    package mutating func member(_ name: String, _ value: Bool) {
        self.key(name)
        self.bool(value)
    }

    package mutating func member(_ name: String, _ value: Int) {
        self.key(name)
        self.integer(value)
    }

    package mutating func member(_ name: String, _ value: Int?) {
        self.key(name)
        if let value { self.integer(value) } else { self.null() }
    }
}
