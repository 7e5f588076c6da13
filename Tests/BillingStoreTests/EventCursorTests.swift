import BillingCore
import Testing

/// The cursor's text form, checked here since the old conformance suite did; it is
/// a BillingCore value, not store behaviour, so the conformance kit leaves it out.
@Suite("Event cursor")
struct EventCursorTests {
    @Test("The text form round-trips in both orders")
    func roundTrip() {
        for cursor in [EventCursor(sequence: 3, order: .ascending), EventCursor(sequence: 1_234_567, order: .descending)] {
            #expect(EventCursor(cursor.description) == cursor)
        }
    }

    @Test("Another version, an unknown order or a negative sequence is rejected", arguments: ["v2:a:3", "v1:x:3", "v1:a:-3", "v1:a", ""])
    func rejected(text: String) {
        #expect(EventCursor(text) == nil)
    }
}
