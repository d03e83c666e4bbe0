/// The values of `apns-push-type` APNs knows, with the topic suffix each one requires (VENDORS.md A2).
enum APNSPushType: String, Sendable, CaseIterable {
    case alert
    case background
    case location
    case voip
    case complication
    case fileprovider
    case mdm
    case liveactivity
    case pushtotalk
    case widgets
    case controls

    /// The suffix the topic must end with, or nil when the bare bundle ID is right (alert, background) or anything
    /// goes (mdm: the topic is the MDM certificate's UID).
    var topicSuffix: String? {
        switch self {
        case .alert, .background, .mdm: nil
        case .location: ".location-query"
        case .voip: ".voip"
        case .complication: ".complication"
        case .fileprovider: ".pushkit.fileprovider"
        case .liveactivity: ".push-type.liveactivity"
        case .pushtotalk: ".voip-ptt"
        case .widgets: ".push-type.widgets"
        case .controls: ".push-type.controls"
        }
    }

    /// The largest payload APNs accepts for this push type, in bytes (VENDORS.md A3).
    var maximumPayloadSize: Int {
        self == .voip ? 5120 : 4096
    }

    /// Every suffix a certificate-auth topic may add to the certificate's UID.
    static let knownTopicSuffixes: [String] = allCases.compactMap(\.topicSuffix)
}
