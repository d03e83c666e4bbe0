import ServiceLifecycle

extension ConnectProxy: Service {
    /// Serves until graceful shutdown, then drains (`shutdown()`). On cancellation the drain ends at once.
    package func run() async throws {
        // Cancellation also ends the wait; either way the proxy must not outlive the service group.
        try? await gracefulShutdown()
        await self.shutdown()
    }
}
