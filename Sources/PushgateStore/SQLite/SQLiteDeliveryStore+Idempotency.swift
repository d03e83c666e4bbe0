import Foundation
import SQLiteNIO

// The idempotency-key look-up the API does before validating a request.
extension SQLiteDeliveryStore {
    package func idempotencyRecord(appID: String, key: String, validSince: Date) async throws -> IdempotencyRecord? {
        try await self.readers.withConnection("read idempotency key") { connection in
            let rows = try await connection.rows(
                "SELECT request_hash, response FROM idempotency_keys WHERE app_id = ? AND key = ? AND created_at >= ?",
                [.text(appID), .text(key), .date(validSince)],
                context: "read idempotency key"
            )
            guard let row = rows.first else { return nil }
            return IdempotencyRecord(requestHash: try row.string("request_hash"), response: try row.bytes("response"))
        }
    }
}
