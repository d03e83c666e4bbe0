import Foundation
import PushgateCore
import PushgateStore

/// Groups leased deliveries into the batches adapters send in one call: the same notification
/// on the same lane (so the same payload), at most the adapter's batch size, in lease order.
/// Works on what one lease returned, so it never waits to fill a batch: a notification's
/// deliveries are committed together and come back from the store together.
enum DeliveryBatcher {
    struct Key: Hashable {
        var notificationID: UUID
        var lane: Lane
    }

    /// `maxBatchSize` gives each lane's adapter limit (1 when the lane has no adapter).
    static func batches(
        _ leased: [LeasedDelivery],
        maxBatchSize: (Lane) -> Int
    ) -> [[LeasedDelivery]] {
        var order: [Key] = []
        var groups: [Key: [LeasedDelivery]] = [:]
        for delivery in leased {
            let key = Key(
                notificationID: delivery.notificationID, lane: Lane(appID: delivery.appID, target: delivery.target))
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(delivery)
        }
        var limits: [Lane: Int] = [:]
        var batches: [[LeasedDelivery]] = []
        for key in order {
            guard let group = groups[key] else { continue }
            let limit: Int
            if let known = limits[key.lane] {
                limit = known
            } else {
                limit = max(1, maxBatchSize(key.lane))
                limits[key.lane] = limit
            }
            var start = 0
            while start < group.count {
                let end = min(group.count, start + limit)
                batches.append(Array(group[start..<end]))
                start = end
            }
        }
        return batches
    }
}
