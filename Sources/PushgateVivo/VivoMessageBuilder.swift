import Foundation
import PushgateCore
import PushgateHTTPVendor

/// Builds vivo's content fields from the portable notification plus `overrides.vivo` (merged
/// last, key by key), and checks what vivo would refuse (VENDORS.md §3.2).
struct VivoMessageBuilder: Sendable {
    let configuration: VivoConfiguration

    static let minTimeToLive = 60
    static let maxCustomMapCharacters = 1024

    func message(
        for notification: Notification, identity: UUID, expiresAt: Date?, now: Date
    ) throws(VivoMessageProblem) -> VivoMessage {
        guard let title = notification.title, let body = notification.body else {
            throw VivoMessageProblem(
                reason: .invalidRequest, detail: "vivo shows notifications only: it needs a title and a body")
        }
        var content: [String: JSONValue] = [
            "title": .string(title), "content": .string(body),
            // 4: sound and vibration; 1: open the app.
            "notifyType": .integer(notification.sound == nil ? 3 : 4), "skipType": .integer(1),
            "networkType": .integer(-1), "classification": .integer(self.configuration.classification),
            "pushMode": .integer(self.configuration.testMode ? 1 : 0),
            // A caller's collapse key replaces across notifications; otherwise the identity
            // replaces across attempts of this one.
            "notifyId": .integer(max(1, NotifyID.derive(from: notification.collapseKey ?? identity.lowercasedString))),
        ]
        if let category = self.configuration.category { content["category"] = .string(category) }
        if let expiresAt {
            let seconds = Int(expiresAt.timeIntervalSince(now).rounded(.up))
            guard seconds > 0 else { throw VivoMessageProblem(reason: .expired, detail: "expired before sending") }
            let cap = Int(self.configuration.maxTimeToLive.components.seconds)
            content["timeToLive"] = .integer(min(max(seconds, Self.minTimeToLive), cap))
        }
        if !notification.data.isEmpty {
            // clientCustomMap is string → string: other JSON values travel as their JSON text.
            content["clientCustomMap"] = .object(
                notification.data.mapValues { value in
                    if case .string(let text) = value { return .string(text) }
                    return .string(String(decoding: (try? JSONWriter.bytes(value)) ?? [], as: UTF8.self))
                })
        }
        if let overrides = notification.overrides[.vivo] {
            guard overrides.objectValue != nil else {
                throw VivoMessageProblem(reason: .invalidRequest, detail: "overrides.vivo must be an object")
            }
            var merged = JSONValue.object(content)
            merged.merge(overrides)
            content = (merged.objectValue ?? content).filter {
                !["appId", "regId", "regIds", "requestId", "taskId"].contains($0.key)
            }
        }
        try self.check(content)
        return VivoMessage(content: content)
    }

    /// How vivo counts a text's length: each character 1, or a CJK (wide) character 2.
    func length(_ text: String) -> Int {
        guard self.configuration.wideCharactersCountTwice else { return text.count }
        return text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
    }

    func check(_ content: [String: JSONValue]) throws(VivoMessageProblem) {
        func fail(_ detail: String, _ reason: OutcomeReason = .invalidRequest) -> VivoMessageProblem {
            VivoMessageProblem(reason: reason, detail: detail)
        }
        let title = content["title"]?.stringValue ?? ""
        let body = content["content"]?.stringValue ?? ""
        if title.isEmpty || body.isEmpty { throw fail("vivo needs a title and a body") }
        if self.length(title) > self.configuration.titleLimit {
            throw fail(
                "title counts \(self.length(title)), vivo allows \(self.configuration.titleLimit)", .payloadTooLarge)
        }
        if self.length(body) > self.configuration.contentLimit {
            throw fail(
                "content counts \(self.length(body)), vivo allows \(self.configuration.contentLimit)", .payloadTooLarge)
        }
        guard case .integer(let notifyType) = content["notifyType"], (1...4).contains(notifyType) else {
            throw fail("notifyType must be 1…4")
        }
        guard case .integer(let skipType) = content["skipType"], (1...4).contains(skipType) else {
            throw fail("skipType must be 1…4")
        }
        if skipType != 1 {
            guard let skip = content["skipContent"]?.stringValue, !skip.isEmpty, skip.count <= 1024 else {
                throw fail("skipType \(skipType) needs skipContent of at most 1024 characters")
            }
        }
        if let ttl = content["timeToLive"] {
            let cap = Int(self.configuration.maxTimeToLive.components.seconds)
            guard case .integer(let seconds) = ttl, (Self.minTimeToLive...cap).contains(seconds) else {
                throw fail("timeToLive must be 60…\(cap) seconds")
            }
        }
        guard case .integer(let classification) = content["classification"], classification == 0 || classification == 1
        else { throw fail("classification must be 0 (operation) or 1 (system)") }
        if let category = content["category"] {
            let allowed =
                classification == 1 ? VivoConfiguration.systemCategories : VivoConfiguration.operationCategories
            guard let name = category.stringValue, allowed.contains(name) else {
                throw fail(
                    "category must be one of \(allowed.sorted().joined(separator: ", ")) for classification \(classification)"
                )
            }
        }
        if let mode = content["pushMode"], mode != .integer(0), mode != .integer(1) {
            throw fail("pushMode must be 0 or 1")
        }
        if let network = content["networkType"], network != .integer(-1), network != .integer(1) {
            throw fail("networkType must be -1 or 1")
        }
        if let notifyID = content["notifyId"] {
            guard case .integer(let value) = notifyID, (1...2_147_483_647).contains(value) else {
                throw fail("notifyId must be 1…2147483647")
            }
        }
        if let map = content["clientCustomMap"] {
            guard let members = map.objectValue, members.values.allSatisfy({ $0.stringValue != nil }) else {
                throw fail("clientCustomMap must map strings to strings")
            }
            let size = members.reduce(0) { $0 + $1.key.count + ($1.value.stringValue?.count ?? 0) }
            if size > Self.maxCustomMapCharacters {
                throw fail("clientCustomMap holds \(size) characters, vivo allows 1024", .payloadTooLarge)
            }
        }
    }
}
