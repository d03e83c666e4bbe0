import NIOConcurrencyHelpers
import Prometheus

/// The proxy's Prometheus metrics, in a registry the proxy owns (the process-wide `MetricsSystem` is left alone),
/// and the same numbers as a `ProxyStats` snapshot.
final class ProxyMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let tunnelsOpen: Gauge
    private let tunnelsTotal: Counter
    private let refused: [RefusalReason: Counter]
    private let bytesUpstream: Counter
    private let bytesDownstream: Counter
    private let connectSeconds: DurationHistogram
    private let stats = NIOLockedValueBox(ProxyStats())

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.tunnelsOpen = registry.makeGauge(
            descriptor: Self.name("tunnels", "open", help: "CONNECT tunnels currently open.")
        )
        self.tunnelsTotal = registry.makeCounter(
            descriptor: Self.name("tunnels", "total", help: "CONNECT tunnels established.")
        )
        // Every reason exists from the start, so alerts see 0 rather than no series.
        var refused: [RefusalReason: Counter] = [:]
        for reason in RefusalReason.allCases {
            refused[reason] = registry.makeCounter(
                descriptor: Self.name("refused", "total", help: "Connections refused, by reason."),
                labels: [("reason", reason.rawValue)]
            )
        }
        self.refused = refused
        self.bytesUpstream = registry.makeCounter(
            descriptor: Self.name("bytes", "total", help: "Bytes relayed through tunnels, by direction."),
            labels: [("direction", "upstream")]
        )
        self.bytesDownstream = registry.makeCounter(
            descriptor: Self.name("bytes", "total", help: "Bytes relayed through tunnels, by direction."),
            labels: [("direction", "downstream")]
        )
        self.connectSeconds = registry.makeDurationHistogram(
            descriptor: Self.name(
                "upstream_connect",
                "seconds",
                help: "Upstream DNS resolution plus TCP connect time of successful connects."
            ),
            buckets: [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ]
        )
    }

    /// `pushgate_proxy_<name>_<unit>`.
    private static func name(_ name: String, _ unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "pushgate", subsystem: "proxy", metricName: name, unitName: unit, helpText: help)
    }

    func tunnelOpened() {
        self.tunnelsOpen.increment()
        self.tunnelsTotal.increment()
        self.stats.withLockedValue {
            $0.tunnelsOpen += 1
            $0.tunnelsTotal += 1
        }
    }

    func tunnelClosed() {
        self.tunnelsOpen.decrement()
        self.stats.withLockedValue { $0.tunnelsOpen -= 1 }
    }

    func refused(_ reason: RefusalReason) {
        self.refused[reason]?.increment()
        self.stats.withLockedValue { $0.refusedByReason[reason.rawValue, default: 0] += 1 }
    }

    func relayed(upstream: Int, downstream: Int) {
        if upstream > 0 { self.bytesUpstream.increment(by: Int64(upstream)) }
        if downstream > 0 { self.bytesDownstream.increment(by: Int64(downstream)) }
        self.stats.withLockedValue {
            $0.bytesUpstream += upstream
            $0.bytesDownstream += downstream
        }
    }

    func upstreamConnected(after duration: Duration) {
        self.connectSeconds.record(duration)
    }

    func snapshot() -> ProxyStats {
        self.stats.withLockedValue { $0 }
    }

    /// Prometheus text exposition format.
    func render() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}
