import ServiceLifecycle

extension SQLiteDeliveryStore: Service {
    /// Waits for graceful shutdown (or cancellation), then closes the store: queued writes
    /// finish first.
    public func run() async throws {
        try? await gracefulShutdown()
        try await self.close()
    }
}
