import Logging

/// `StreamLogHandler` with the metadata kept aside and handed over only when a message is
/// actually logged. `StreamLogHandler` formats all of its metadata again each time one key is
/// set, and the gateway sets a few keys per request and per batch at a level that logs nothing:
/// that formatting was 5% of the gateway's CPU under load.
struct LazyMetadataLogHandler: LogHandler {
    private var base: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(_ base: StreamLogHandler) {
        self.base = base
    }

    var logLevel: Logger.Level {
        get { self.base.logLevel }
        set { self.base.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { self.base.metadataProvider }
        set { self.base.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !self.metadata.isEmpty {
            event.metadata = self.metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        self.base.log(event: event)
    }
}
