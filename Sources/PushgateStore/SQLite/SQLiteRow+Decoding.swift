import Foundation
import NIOCore
import PushgateCore
import SQLiteNIO

// Column decoding for the store's rows. Everything read from disk goes through these helpers
// so that a malformed value becomes a `StoreError.corruptData` naming the column, never a trap.
// Messages name the column only: a row's description could contain a device token.
extension SQLiteRow {
    func value(_ column: String) throws -> SQLiteData {
        guard let value = self.column(column) else {
            throw StoreError.corrupt("column \(column) is missing from the result")
        }
        return value
    }

    func int64(_ column: String) throws -> Int64 {
        guard let value = try self.optionalInt64(column) else {
            throw StoreError.corrupt("column \(column) is NULL")
        }
        return value
    }

    func optionalInt64(_ column: String) throws -> Int64? {
        switch try self.value(column) {
        case .null: return nil
        case .integer(let value): return Int64(value)
        default: throw StoreError.corrupt("column \(column) is not an integer")
        }
    }

    func int(_ column: String) throws -> Int {
        Int(try self.int64(column))
    }

    func optionalInt(_ column: String) throws -> Int? {
        try self.optionalInt64(column).map { Int($0) }
    }

    func string(_ column: String) throws -> String {
        guard let value = try self.optionalString(column) else {
            throw StoreError.corrupt("column \(column) is NULL")
        }
        return value
    }

    func optionalString(_ column: String) throws -> String? {
        switch try self.value(column) {
        case .null: return nil
        case .text(let value): return value
        default: throw StoreError.corrupt("column \(column) is not text")
        }
    }

    /// A 16-byte BLOB written by `SQLiteData.uuid(_:)`.
    func uuid(_ column: String) throws -> UUID {
        guard case .blob(let buffer) = try self.value(column), let id = UUID(storeBytes: buffer) else {
            throw StoreError.corrupt("column \(column) is not a 16-byte id")
        }
        return id
    }

    /// Milliseconds since 1970 (see `Date.storeMilliseconds`).
    func date(_ column: String) throws -> Date {
        Date(storeMilliseconds: try self.int64(column))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try self.optionalInt64(column).map(Date.init(storeMilliseconds:))
    }

    func bytes(_ column: String) throws -> [UInt8] {
        switch try self.value(column) {
        case .blob(let buffer): return Array(buffer.readableBytesView)
        case .text(let text): return Array(text.utf8)
        case .null: return []
        default: throw StoreError.corrupt("column \(column) is not a BLOB")
        }
    }

    func state(_ column: String) throws -> DeliveryState {
        let raw = try self.string(column)
        guard let state = DeliveryState(rawValue: raw) else {
            throw StoreError.corrupt("column \(column) holds unknown delivery state '\(raw)'")
        }
        return state
    }

    /// The `vendor`, `token` and `environment` columns of a delivery.
    func deviceTarget() throws -> DeviceTarget {
        let rawEnvironment = try self.string("environment")
        guard let environment = DeviceTarget.Environment(rawValue: rawEnvironment) else {
            throw StoreError.corrupt("column environment holds unknown value '\(rawEnvironment)'")
        }
        return DeviceTarget(
            vendor: Vendor(rawValue: try self.string("vendor")),
            token: try self.string("token"),
            environment: environment
        )
    }
}
