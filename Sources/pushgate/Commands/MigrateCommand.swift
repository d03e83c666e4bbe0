import ArgumentParser
import PushgateCore
import PushgateStore

/// Creates or upgrades the store's schema and exits, for operators who migrate before they
/// start (or roll out) gateways. `serve` migrates at start too; both are safe to run while other
/// instances start (PostgreSQL migrations take an advisory lock).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the store's schema, then exit."
    )

    @Option(help: "The store, as the configuration's `store:` names it (sqlite:PATH or postgres://…).")
    var store: String

    func run() async throws {
        if let problem = DeliveryStoreFactory.problem(url: self.store) { throw CLIError("migrate: \(problem)") }
        let name = DeliveryStoreFactory.displayName(url: self.store)
        let logger = CLILogging.logger("pushgate.migrate", defaultLevel: .info)
        do {
            let opened = try await DeliveryStoreFactory.open(url: self.store, clock: .system, logger: logger)
            try await opened.close()
        } catch {
            throw CLIError("migrate: \(name): \(error)")
        }
        print("ok: \(name) has the schema this gateway knows")
    }
}
