import NIOCore
import PushgateCore

/// One request ready for the wire: validated headers and the encoded payload.
/// Everything here is derived from the delivery, so every attempt sends the same bytes.
package struct APNSRequest: Sendable {
    /// Lowercase hex device token.
    package var deviceToken: String
    /// The delivery's stable id, lowercase (Apple's preferred form).
    package var apnsID: String
    package var pushType: Notification.PushType
    /// The bundle id with the push type's suffix.
    package var topic: String
    /// 10, 5 or 1.
    package var priority: Int
    /// UNIX seconds; nil leaves APNs' default storage policy.
    package var expiration: Int?
    package var collapseID: String?
    package var payload: ByteBuffer

    /// `/3/device/<token>`.
    var path: String { "/3/device/" + self.deviceToken }
}

extension Notification.PushType {
    /// What APNs expects after the bundle id in `apns-topic` for this push type
    /// (VENDORS.md A2). `mdm` topics are the certificate's UID and take no suffix.
    package var apnsTopicSuffix: String {
        switch self {
        case .voip: ".voip"
        case .complication: ".complication"
        case .fileProvider: ".pushkit.fileprovider"
        case .location: ".location-query"
        case .liveActivity: ".push-type.liveactivity"
        case .pushToTalk: ".voip-ptt"
        case .widgets: ".push-type.widgets"
        case .controls: ".push-type.controls"
        default: ""
        }
    }

    /// The largest payload APNs accepts for this push type, in bytes.
    package var apnsPayloadLimit: Int {
        self == .voip ? 5120 : 4096
    }

    /// The topic for `bundleID`: the suffix is added unless the caller already gave it.
    package func apnsTopic(bundleID: String) -> String {
        let suffix = self.apnsTopicSuffix
        if suffix.isEmpty || bundleID.hasSuffix(suffix) { return bundleID }
        return bundleID + suffix
    }
}
