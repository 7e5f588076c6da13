public import BillingCore
public import CoreMetrics
public import Logging

extension EventBus {
    /// Creates a bus persisting to a SQLite file, the default storage of Bilingus.
    ///
    /// Equivalent to `EventBus(store: try SQLiteEventStore(path: databasePath, configuration: storage), ...)`.
    /// - Throws: ``BillingError`` if the database cannot be opened (see ``SQLiteEventStore/init(path:configuration:)``).
    public convenience init(
        databasePath: String,
        storage: SQLiteEventStore.Configuration = SQLiteEventStore.Configuration(),
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "billing.bus"),
        metricsFactory: (any MetricsFactory)? = nil,
        clock: any BillingClock = SystemClock()
    ) throws {
        self.init(
            store: try SQLiteEventStore(path: databasePath, configuration: storage),
            configuration: configuration,
            logger: logger,
            metricsFactory: metricsFactory,
            clock: clock
        )
    }
}
