import PushgateCore
import PushgateStore

/// The body of `GET /v1/invalid-tokens`:
/// `{"tokens": [{"cursor", "vendor", "token", "reason", "since", "reported_at"}], "next_cursor"}`.
/// `next_cursor` is the last record's cursor, or the `after` given when the page is empty,
/// so a client can always poll with `after=<next_cursor>`.
enum InvalidTokenFeedDocument {
    static func body(_ records: [InvalidTokenRecord], after: Int64) -> [UInt8] {
        var json = JSONOutput(capacity: 64 + records.count * 200)
        json.beginObject()
        json.key("tokens")
        json.beginArray()
        for record in records {
            json.beginObject()
            json.key("cursor")
            json.integer(record.sequence)
            json.member("vendor", record.report.vendor.rawValue)
            json.member("token", record.report.token)
            json.member("reason", record.report.reason)
            json.member("since", record.report.since)
            json.member("reported_at", record.reportedAt)
            json.endObject()
        }
        json.endArray()
        json.key("next_cursor")
        json.integer(records.last?.sequence ?? after)
        json.endObject()
        return json.bytes
    }
}
