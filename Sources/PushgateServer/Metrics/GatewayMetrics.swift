import Prometheus
import PushgateCore

/// The gateway's Prometheus metrics, in a registry it owns (tests get a fresh one each;
/// nothing is bootstrapped globally). Labels are low-cardinality: never a token or an id.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.queueDepth = registry.makeGauge(descriptor: Self.name("queue_depth", unit: "deliveries",
            help: "Deliveries queued or being sent"))
        self.sendLatency = registry.makeDurationHistogram(
            descriptor: Self.name("send_duration", unit: "seconds", help: "Time from lease to vendor answer per attempt"),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(15)]
        )
        self.acceptLatency = registry.makeDurationHistogram(
            descriptor: Self.name("accept_to_vendor", unit: "seconds", help: "Time from 202 to the vendor's acceptance"),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30), .seconds(300)]
        )
    }

    public let queueDepth: Gauge
    public let sendLatency: DurationHistogram
    public let acceptLatency: DurationHistogram

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "pushgate", metricName: metric, unitName: unit, helpText: help)
    }

    /// `pushgate_http_requests_total{route, status}`.
    public func request(route: String, status: Int) {
        self.registry.makeCounter(
            descriptor: Self.name("http_requests", unit: "total", help: "REST API requests"),
            labels: [("route", route), ("status", String(status))]
        ).increment()
    }

    /// `pushgate_deliveries_total{vendor, outcome}`: every attempt's outcome class.
    public func attempt(vendor: Vendor, outcome: DeliveryOutcome) {
        self.registry.makeCounter(
            descriptor: Self.name("deliveries", unit: "total", help: "Delivery attempts by outcome class"),
            labels: [("vendor", vendor.rawValue), ("outcome", outcome.kind.rawValue)]
        ).increment()
        switch outcome {
        case .ambiguous:
            self.registry.makeCounter(
                descriptor: Self.name("ambiguous", unit: "total", help: "Attempts that may or may not have reached the vendor"),
                labels: [("vendor", vendor.rawValue)]
            ).increment()
        case .retryable(_, let stage?) where stage.isProxyFailure:
            self.registry.makeCounter(
                descriptor: Self.name("proxy_failures", unit: "total", help: "Attempts that failed on the way to a proxy"),
                labels: [("vendor", vendor.rawValue), ("stage", stage.rawValue)]
            ).increment()
        default:
            break
        }
    }

    /// `pushgate_retries_total{vendor}`: attempts scheduled again.
    public func retry(vendor: Vendor) {
        self.registry.makeCounter(
            descriptor: Self.name("retries", unit: "total", help: "Attempts scheduled again after a failure"),
            labels: [("vendor", vendor.rawValue)]
        ).increment()
    }

    /// `pushgate_accepted_total`: notifications stored and acknowledged.
    public func accepted(deliveries: Int) {
        self.registry.makeCounter(descriptor: Self.name("accepted_deliveries", unit: "total",
            help: "Deliveries accepted (stored before 202)")).increment(by: Int64(deliveries))
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}
