import Foundation
import PostgresNIO
import PushgateCore

// Row decoding with the store's conventions: times are bigint milliseconds since 1970, and a
// value that does not decode is `StoreError.corruptData` naming the column.
extension PostgresRandomAccessRow {
    func value<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        do {
            return try self[column].decode(Value.self)
        } catch {
            throw StoreError.corrupt("column \(column) does not decode as \(Value.self)")
        }
    }

    func date(_ column: String) throws -> Date {
        Date(storeMilliseconds: try self.value(column, as: Int64.self))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try self.value(column, as: Int64?.self).map(Date.init(storeMilliseconds:))
    }

    func bytes(_ column: String) throws -> [UInt8] {
        guard let buffer = try self.value(column, as: ByteBuffer?.self) else { return [] }
        return Array(buffer.readableBytesView)
    }

    func state(_ column: String) throws -> DeliveryState {
        let raw = try self.value(column, as: String.self)
        guard let state = DeliveryState(rawValue: raw) else {
            throw StoreError.corrupt("column \(column) holds unknown delivery state '\(raw)'")
        }
        return state
    }

    /// The `vendor`, `token` and `environment` columns of a delivery.
    func deviceTarget() throws -> DeviceTarget {
        let rawEnvironment = try self.value("environment", as: String.self)
        guard let environment = DeviceTarget.Environment(rawValue: rawEnvironment) else {
            throw StoreError.corrupt("column environment holds unknown value '\(rawEnvironment)'")
        }
        return DeviceTarget(
            vendor: Vendor(rawValue: try self.value("vendor", as: String.self)),
            token: try self.value("token", as: String.self),
            environment: environment
        )
    }
}

extension PostgresRowSequence {
    /// Every row, for random access by column name.
    func rows() async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in self { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension Optional where Wrapped == Date {
    /// A nullable time for a `bigint[]` bind, which cannot hold NULL: `nullTime` stands for nil
    /// and the SQL turns it back with `NULLIF(…, nullTime)`.
    var storeMillisecondsOrNull: Int64 { self?.storeMilliseconds ?? PostgresTime.null }
}

/// Conventions for times in PostgreSQL binds.
enum PostgresTime {
    /// Stands for NULL in `bigint[]` binds (arrays in binds cannot hold NULL); no stored time is this.
    static let null = Int64.min
}
