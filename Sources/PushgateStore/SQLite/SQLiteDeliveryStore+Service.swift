import ServiceLifecycle

extension SQLiteDeliveryStore {
    /// Waits for graceful shutdown (or cancellation), then closes the store: queued writes
    /// finish first.
    package func run() async throws {
        try? await gracefulShutdown()
        try await self.close()
    }
}
