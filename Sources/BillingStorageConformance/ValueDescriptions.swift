import BillingCore

/// How a failure shows a value: events as their canonical JSON, which says what they
/// hold (their default description shows only the storage box).
func describe(_ value: Any) -> String {
    switch value {
    case let event as BillingEvent:
        return CanonicalJSON.string(event.jsonValue)
    case let stored as StoredEvent:
        return "StoredEvent(isDuplicate: \(stored.isDuplicate), event: \(describe(stored.event)))"
    case let letter as DeadLetter:
        return "DeadLetter(id: \(letter.id), subscription: \(letter.subscription), attempts: \(letter.attempts), lastError: \(letter.lastError), "
            + "firstFailedAt: \(letter.firstFailedAt), lastFailedAt: \(letter.lastFailedAt), "
            + "isRedeliveryRequested: \(letter.isRedeliveryRequested), event: \(describe(letter.event)))"
    case let events as [BillingEvent]:
        return "[" + events.map(describe).joined(separator: ", ") + "]"
    case let results as [StoredEvent]:
        return "[" + results.map(describe).joined(separator: ", ") + "]"
    case let letters as [DeadLetter]:
        return "[" + letters.map(describe).joined(separator: ", ") + "]"
    default:
        return String(describing: value)
    }
}
