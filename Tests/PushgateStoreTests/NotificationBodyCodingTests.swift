import Foundation
import PushgateCore
import Testing

@testable import PushgateStore

/// The stored body is written without `JSONEncoder` but must stay exactly what `JSONEncoder`
/// wrote: rows written by earlier versions and by this one are read by the same decoder.
@Suite("Stored notification body")
struct NotificationBodyCodingTests {
    static let everyField = PushgateCore.Notification(
        title: "Order \"42\" shipped ✈︎", subtitle: "Today", body: "Line one\nline two\t🚚", badge: 7,
        sound: .init(name: "ping.caf", critical: true, volume: 0.35),
        data: ["order": 42, "nested": .object(["list": .array([.null, .bool(true), .number(1.25)])]), "s": "x"],
        category: "orders", threadID: "thread-1", priority: .normal,
        expiration: Date(timeIntervalSinceReferenceDate: 786_543_210.123_456), timeToLive: 3600,
        collapseKey: "order-42", pushType: .liveActivity, mutableContent: true, contentAvailable: true,
        interruptionLevel: "time-sensitive", relevanceScore: 0.7,
        overrides: [
            .huawei: .object(["android": .object(["urgency": "HIGH"])]), .apns: .object(["aps": .object(["badge": 1])]),
        ])

    static let cases: [PushgateCore.Notification] = [
        everyField,
        PushgateCore.Notification(),
        PushgateCore.Notification(title: "Hello", body: "World"),
        PushgateCore.Notification(
            sound: .default, expiration: Date(timeIntervalSinceReferenceDate: 1_000), relevanceScore: 1),
    ]

    @Test("the body decodes to the same notification and is the JSON JSONEncoder makes", arguments: cases)
    func sameAsJSONEncoder(_ notification: PushgateCore.Notification) throws {
        let written = try NotificationBodyCoding.encode(notification)
        let decoded = try NotificationBodyCoding.decode(
            written, notificationID: UUID(), with: NotificationBodyCoding.makeDecoder()
        )
        #expect(decoded == notification)

        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .deferredToDate
        let reference = try encoder.encode(notification)
        let fromDecoder = try JSONDecoder().decode(JSONValue.self, from: reference)
        let fromWriter = try JSONDecoder().decode(JSONValue.self, from: Data(written.utf8))
        #expect(fromWriter == fromDecoder)
    }

    @Test("a value JSON cannot hold is refused, not stored as something else")
    func nonFiniteNumbersThrow() {
        #expect(throws: (any Error).self) {
            try NotificationBodyCoding.encode(.init(data: ["x": .number(.nan)]))
        }
        #expect(throws: (any Error).self) {
            try NotificationBodyCoding.encode(.init(relevanceScore: .infinity))
        }
    }
}
