import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every entry, so tests can read the access log (and check what it never contains).
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let box = NIOLockedValueBox<[Entry]>([])

    var entries: [Entry] { self.box.withLockedValue { $0 } }

    func append(_ entry: Entry) {
        self.box.withLockedValue { $0.append(entry) }
    }

    func logger(label: String = "test.proxy") -> Logger {
        Logger(label: label) { _ in Handler(recorder: self) }
    }

    /// Everything ever logged, as one string.
    var allText: String {
        self.entries.map { entry in
            entry.message + " "
                + entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = self.metadata
            for (key, value) in event.metadata ?? [:] { merged[key] = value }
            self.recorder.append(
                Entry(
                    level: event.level,
                    message: "\(event.message)",
                    metadata: merged.mapValues { "\($0)" }
                )
            )
        }
    }
}
