/// A position in a paginated read, handed back by ``EventPage/nextCursor``.
///
/// Pagination is by keyset (the store sequence), not by offset: pages stay correct
/// while new events are appended, and each page costs the same however deep it is.
/// The textual form is opaque; pass it back unchanged (for example through a URL).
public struct EventCursor: Sendable, Hashable, Codable, LosslessStringConvertible {
    /// The sequence of the last event on the previous page.
    public let sequence: Int64
    /// The direction the read was going.
    public let order: EventFilters.Order

    /// Creates a cursor after (or, descending, before) `sequence`.
    public init(sequence: Int64, order: EventFilters.Order) {
        self.sequence = sequence
        self.order = order
    }

    /// Parses the opaque form produced by ``description``.
    public init?(_ description: String) {
        let parts = description.split(separator: ":")
        guard parts.count == 3, parts[0] == "v1", let sequence = Int64(parts[2]), sequence >= 0 else { return nil }
        switch parts[1] {
        case "a": order = .ascending
        case "d": order = .descending
        default: return nil
        }
        self.sequence = sequence
    }

    /// The opaque textual form, such as `v1:a:1234`.
    public var description: String {
        "v1:\(order == .ascending ? "a" : "d"):\(sequence)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let cursor = EventCursor(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not an event cursor")
        }
        self = cursor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One page of a paginated read.
public struct EventPage: Sendable, Hashable {
    /// The events on this page, in the requested order.
    public let events: [BillingEvent]
    /// Where the next page starts; `nil` when this is the last page.
    public let nextCursor: EventCursor?

    /// Creates a page.
    public init(events: [BillingEvent], nextCursor: EventCursor?) {
        self.events = events
        self.nextCursor = nextCursor
    }
}
