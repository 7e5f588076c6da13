import BillingStore

/// Appended events per commit of a store's writer, for the report.
///
/// Kept in a file of its own: to measure a store from before `writeStatistics` existed
/// with this same harness, replace the body with `nil`.
func eventsPerCommit(_ store: SQLiteEventStore) -> Double? {
    store.writeStatistics.eventsPerCommit
}
