import PushgateAPNS
import PushgateCore
import PushgateHuawei
import PushgateServer
import PushgateVivo
import PushgateXiaomi

/// The vendors the server tests configure, as the executable registers them.
enum TestVendors {
    static let standard = VendorRegistry([APNSVendor(), HuaweiVendor(), XiaomiVendor(), VivoVendor()])
}

extension VendorBlock {
    /// An `apps[].apns` block: the vendor's own settings and the common keys.
    static func apns(_ settings: APNSVendor.Settings, common: VendorCommonSettings = .init()) -> VendorBlock {
        VendorBlock(vendor: .apns, common: common, settings: settings)
    }

    /// An `apps[].apns` block with only a topic (what the API needs to know the app sends to APNs).
    static func apns(topic: String) -> VendorBlock {
        .apns(APNSVendor.Settings(topic: topic))
    }
}
