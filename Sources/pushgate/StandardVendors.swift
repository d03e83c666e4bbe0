import PushgateAPNS
import PushgateCore
import PushgateHuawei
import PushgateVivo
import PushgateXiaomi

/// The vendors this build of the gateway sends to: adding a vendor is its adapter target and
/// one line here.
enum StandardVendors {
    static let registry = VendorRegistry([
        APNSVendor(),
        HuaweiVendor(),
        XiaomiVendor(),
        VivoVendor(),
    ])
}
