import NIOConcurrencyHelpers
import Prometheus
import PushgateCore

/// The gateway's Prometheus metrics, in a registry it owns (tests get a fresh one each;
/// nothing is bootstrapped globally). Labels are low-cardinality: never a token or an id.
package final class GatewayMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.queueDepth = registry.makeGauge(
            descriptor: Self.name(
                "queue_depth", unit: "deliveries",
                help: "Deliveries queued or being sent"))
        self.sendLatency = registry.makeDurationHistogram(
            descriptor: Self.name(
                "send_duration", unit: "seconds", help: "Time from lease to vendor answer per attempt"),
            buckets: [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(15),
            ]
        )
        self.acceptLatency = registry.makeDurationHistogram(
            descriptor: Self.name(
                "accept_to_vendor", unit: "seconds", help: "Time from 202 to the vendor's acceptance"),
            buckets: [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30), .seconds(300),
            ]
        )
        let taken = Self.name(
            "dispatcher_taken", unit: "total",
            help: "Deliveries the dispatcher took: handed off in memory after commit, or leased from the store")
        self.handedOff = registry.makeCounter(descriptor: taken, labels: [("source", "hand_off")])
        self.leased = registry.makeCounter(descriptor: taken, labels: [("source", "lease")])
        self.acceptedDeliveries = registry.makeCounter(
            descriptor: Self.name("accepted_deliveries", unit: "total", help: "Deliveries accepted (stored before 202)")
        )
    }

    /// Made once: it counts every accepted notification (500 per batch request), and a look-up
    /// in the registry costs a lock and a hash of its name.
    private let acceptedDeliveries: Counter

    /// `pushgate_dispatcher_taken_total{source="hand_off"}`.
    package let handedOff: Counter
    /// `pushgate_dispatcher_taken_total{source="lease"}`.
    package let leased: Counter

    package let queueDepth: Gauge
    package let sendLatency: DurationHistogram
    package let acceptLatency: DurationHistogram

    static func name(_ metric: String, unit: String?, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "pushgate", metricName: metric, unitName: unit, helpText: help)
    }

    // The counters of every request and every attempt, by label set: found here, they cost
    // one hash of a small key, where the registry takes a lock, hashes the name and labels,
    // and the labels are built as strings first. The label sets are few (route patterns and
    // statuses; lanes and outcome classes), so the caches stay small.
    private struct RequestLabels: Hashable {
        var route: String
        var status: Int
    }
    private struct AttemptLabels: Hashable {
        var appID: String
        var vendor: Vendor
        var outcome: DeliveryOutcome.Kind
    }
    private let requestCounters = NIOLockedValueBox<[RequestLabels: Counter]>([:])
    private let attemptCounters = NIOLockedValueBox<[AttemptLabels: Counter]>([:])

    private static func counter<Labels: Hashable>(
        _ labels: Labels, in cache: NIOLockedValueBox<[Labels: Counter]>, make: () -> Counter
    ) -> Counter {
        if let counter = cache.withLockedValue({ $0[labels] }) { return counter }
        // Made outside the lock; the registry hands two racing makers the same counter.
        let counter = make()
        cache.withLockedValue { $0[labels] = counter }
        return counter
    }

    /// `pushgate_http_requests_total{route, status}`.
    package func request(route: String, status: Int) {
        Self.counter(RequestLabels(route: route, status: status), in: self.requestCounters) {
            self.registry.makeCounter(
                descriptor: Self.name("http_requests", unit: "total", help: "REST API requests"),
                labels: [("route", route), ("status", String(status))]
            )
        }.increment()
    }

    /// `pushgate_deliveries_total{app, vendor, outcome}`: every attempt's outcome class, per lane.
    package func attempt(lane: Lane, outcome: DeliveryOutcome) {
        var laneLabels: [(String, String)] { [("app", lane.appID), ("vendor", lane.vendor.rawValue)] }
        let labels = AttemptLabels(appID: lane.appID, vendor: lane.vendor, outcome: outcome.kind)
        Self.counter(labels, in: self.attemptCounters) {
            self.registry.makeCounter(
                descriptor: Self.name("deliveries", unit: "total", help: "Delivery attempts by outcome class"),
                labels: laneLabels + [("outcome", outcome.kind.rawValue)]
            )
        }.increment()
        switch outcome {
        case .ambiguous:
            self.registry.makeCounter(
                descriptor: Self.name(
                    "ambiguous", unit: "total", help: "Attempts that may or may not have reached the vendor"),
                labels: laneLabels
            ).increment()
        case .retryable(_, let stage?) where stage.isProxyFailure:
            self.registry.makeCounter(
                descriptor: Self.name(
                    "proxy_failures", unit: "total", help: "Attempts that failed on the way to a proxy"),
                labels: laneLabels + [("stage", stage.rawValue)]
            ).increment()
        default:
            break
        }
    }

    /// `pushgate_retries_total{app, vendor}`: attempts scheduled again, per lane.
    package func retry(lane: Lane) {
        self.registry.makeCounter(
            descriptor: Self.name("retries", unit: "total", help: "Attempts scheduled again after a failure"),
            labels: [("app", lane.appID), ("vendor", lane.vendor.rawValue)]
        ).increment()
    }

    /// `pushgate_lane_paused_total{app, vendor, reason}`: lane pauses (a vendor's quota answer).
    package func lanePaused(lane: Lane, reason: String) {
        self.registry.makeCounter(
            descriptor: Self.name("lane_paused", unit: "total", help: "Times a lane was paused"),
            labels: [("app", lane.appID), ("vendor", lane.vendor.rawValue), ("reason", reason)]
        ).increment()
    }

    /// `pushgate_lane_pause_seconds{app, vendor, reason}`: how long each pause lasted, at its end.
    package func laneResumed(lane: Lane, reason: String, after pause: Duration) {
        self.registry.makeDurationHistogram(
            descriptor: Self.name("lane_pause", unit: "seconds", help: "How long lane pauses lasted"),
            labels: [("app", lane.appID), ("vendor", lane.vendor.rawValue), ("reason", reason)],
            buckets: [
                .seconds(1), .seconds(5), .seconds(30), .seconds(60), .seconds(300), .seconds(1800), .seconds(3600),
                .seconds(86_400),
            ]
        ).record(pause)
    }

    /// `pushgate_lane_state{app, vendor, environment, state}`: 1 for the lane's current state
    /// (running, paused_quota, paused_outage), 0 for the others.
    package func laneState(lane: Lane, state: String) {
        for candidate in ["running", "paused_quota", "paused_outage"] {
            self.registry.makeGauge(
                descriptor: Self.name("lane_state", unit: nil, help: "Each lane's state: 1 for the current one"),
                labels: [
                    ("app", lane.appID), ("vendor", lane.vendor.rawValue),
                    ("environment", lane.environment.rawValue), ("state", candidate),
                ]
            ).set(Double(candidate == state ? 1 : 0))
        }
    }

    /// `pushgate_accepted_deliveries_total`: deliveries stored and acknowledged.
    package func accepted(deliveries: Int) {
        self.acceptedDeliveries.increment(by: Int64(deliveries))
    }

    /// The Prometheus text exposition.
    package func exposition() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}
