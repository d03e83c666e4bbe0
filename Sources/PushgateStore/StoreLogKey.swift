/// Logging metadata keys of the store, defined once (CONVENTIONS: dotted, lower-case).
enum StoreLogKey {
    static let path = "store.path"
    /// The PostgreSQL URL, without its password.
    static let database = "store.database"
    /// The gateway-wide key for a delivery id.
    static let deliveryID = "push.delivery_id"
    static let schemaVersion = "store.schema_version"
    static let batchSize = "store.batch_size"
    static let checkpointMode = "store.checkpoint_mode"
    static let checkpointBusy = "store.checkpoint_busy"
    static let walFrames = "store.wal_frames"
    static let checkpointedFrames = "store.checkpointed_frames"
}
