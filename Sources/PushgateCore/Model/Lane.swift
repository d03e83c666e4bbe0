/// The unit the dispatcher paces (ARCHITECTURE rule 6): one app's traffic to one vendor, and
/// for vendors with several environments (APNs production and sandbox) one of them. Rate limit,
/// concurrency, quota pause and outage pause belong to a lane.
package struct Lane: Hashable, Sendable, CustomStringConvertible {
    package var appID: String
    package var vendor: Vendor
    package var environment: DeviceTarget.Environment

    package init(appID: String, vendor: Vendor, environment: DeviceTarget.Environment = .production) {
        self.appID = appID
        self.vendor = vendor
        self.environment = environment
    }

    package init(appID: String, target: DeviceTarget) {
        self.init(appID: appID, vendor: target.vendor, environment: target.environment)
    }

    package var description: String { "\(self.appID)/\(self.vendor.rawValue)/\(self.environment.rawValue)" }
}
