/// Which event types a subscription or filter matches.
///
/// Three forms, all cheap to evaluate in memory and all answerable by an index
/// range scan in SQL:
/// - `*` matches every type;
/// - `invoice.*` matches every type that starts with `invoice.` (so `invoice.paid`
///   and `invoice.line.added`);
/// - `invoice.paid` matches exactly that type.
///
/// Wildcards elsewhere (`*.paid`, `in*`) are rejected, because they could not use an index.
public struct EventPattern: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// How the pattern matches.
    public enum Kind: Hashable, Sendable {
        /// Every type.
        case all
        /// Types starting with this prefix, which ends in a dot (`invoice.`).
        case prefix(String)
        /// Exactly this type.
        case exact(BillingEventType)
    }

    /// How the pattern matches.
    public let kind: Kind

    /// Matches every event type.
    public static let all = EventPattern(kind: .all)

    /// Matches exactly one type.
    public static func exact(_ type: BillingEventType) -> EventPattern {
        EventPattern(kind: .exact(type))
    }

    private init(kind: Kind) {
        self.kind = kind
    }

    /// Parses `*`, `noun.*` (any depth of prefix) or an exact type name.
    /// - Throws: ``BillingError`` coded `invalid.argument` naming the field `pattern`.
    public init(_ text: String) throws {
        if text == "*" {
            kind = .all
        } else if text.hasSuffix(".*") {
            let stem = String(text.dropLast(2))
            guard !stem.contains("*") else {
                throw BillingError.invalid("pattern", "Only a trailing '.*' wildcard is supported in event patterns")
            }
            // Validate the stem as if it were the start of a type: `invoice` → `invoice.x`.
            do {
                try BillingEventType.validate(stem + ".x")
            } catch {
                throw BillingError.invalid("pattern", "Event pattern prefix '\(stem)' is not a valid type prefix")
            }
            kind = .prefix(stem + ".")
        } else {
            guard !text.contains("*") else {
                throw BillingError.invalid("pattern", "Only '*' or a trailing '.*' wildcard is supported in event patterns")
            }
            do {
                kind = .exact(try BillingEventType(text))
            } catch {
                throw BillingError.invalid("pattern", "Event pattern '\(text)' is not a valid type or pattern")
            }
        }
    }

    /// Creates a pattern from a literal; an invalid literal is a programmer error and traps.
    public init(stringLiteral value: String) {
        do {
            try self.init(value)
        } catch {
            preconditionFailure("Invalid event pattern literal '\(value)': \(error)")
        }
    }

    /// Whether `type` matches this pattern.
    public func matches(_ type: BillingEventType) -> Bool {
        switch kind {
        case .all: true
        case .prefix(let prefix): type.rawValue.hasPrefix(prefix)
        case .exact(let exact): type == exact
        }
    }

    public var description: String {
        switch kind {
        case .all: "*"
        case .prefix(let prefix): prefix + "*"
        case .exact(let type): type.rawValue
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Invalid event pattern")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
