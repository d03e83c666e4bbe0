import Foundation

/// One notification on its way to one device: what an adapter is asked to send.
package struct Delivery: Hashable, Sendable {
    /// The delivery's stable identity. Adapters derive every vendor-side id from it (APNs
    /// `apns-id`, vivo `requestId`, …) so that every attempt carries the same one.
    package var id: UUID
    package var notification: Notification
    /// The notification this delivery belongs to, when it came from the store. Vendors whose
    /// one request carries many tokens derive their notification-replace ids from it: it is
    /// the same for every delivery of a batch and for every attempt, and names one
    /// notification on each device just as the delivery id does.
    package var notificationID: UUID?
    package var target: DeviceTarget
    /// 1 for the first attempt.
    package var attempt: Int
    /// After this the vendor should drop the notification (from its expiration or TTL).
    package var expiresAt: Date?

    package init(
        id: UUID = UUID(),
        notification: Notification,
        notificationID: UUID? = nil,
        target: DeviceTarget,
        attempt: Int = 1,
        expiresAt: Date? = nil
    ) {
        self.id = id
        self.notification = notification
        self.notificationID = notificationID
        self.target = target
        self.attempt = attempt
        self.expiresAt = expiresAt
    }
}
