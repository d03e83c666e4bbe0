import Foundation
import PushgateCore

/// The stored form of a notification body: the JSON of `PushgateCore.Notification`.
///
/// The strategies are spelled out rather than left to Foundation's defaults because stored
/// rows outlive the code that wrote them. Dates inside the body are seconds since 2001-01-01
/// (`deferredToDate`), the one form that round-trips a `Date` exactly.
enum NotificationBodyCoding {
    static func encode(_ notification: PushgateCore.Notification) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .deferredToDate
        return try encoder.encode(notification)
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        return decoder
    }

    /// Decodes a stored body; a body that does not parse is `StoreError.corruptData`.
    static func decode(_ text: String, notificationID: UUID, with decoder: JSONDecoder) throws
        -> PushgateCore.Notification
    {
        do {
            return try decoder.decode(PushgateCore.Notification.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("notification \(notificationID): stored body does not decode: \(error)")
        }
    }
}
