import ServiceLifecycle

extension VivoSimulator: Service {
    /// Serves until graceful shutdown (or cancellation), then shuts the simulator down.
    package func run() async throws {
        // Cancellation also ends the wait; either way the simulator must not outlive the service group.
        try? await gracefulShutdown()
        try await self.shutdown()
    }
}
