/// The vendors a gateway can send to, each with its registration. The executable builds the
/// standard one; tests add vendors of their own without changing server code.
package struct VendorRegistry: Sendable {
    private let registrations: [any VendorRegistration]

    /// Later registrations of the same vendor replace earlier ones.
    package init(_ registrations: [any VendorRegistration]) {
        var seen: [Vendor: Int] = [:]
        var list: [any VendorRegistration] = []
        for registration in registrations {
            if let index = seen[registration.vendor] {
                list[index] = registration
            } else {
                seen[registration.vendor] = list.count
                list.append(registration)
            }
        }
        self.registrations = list
    }

    /// The registered vendors, in registration order.
    package var vendors: [Vendor] { self.registrations.map(\.vendor) }

    package func registration(for vendor: Vendor) -> (any VendorRegistration)? {
        self.registrations.first { $0.vendor == vendor }
    }

    /// The key under which decoders find the registry (`userInfo`), so that app blocks decode
    /// without the configuration model naming a vendor.
    package static let userInfoKey = CodingUserInfoKey(rawValue: "pushgate.vendor-registry")!  // a constant, valid key
}
