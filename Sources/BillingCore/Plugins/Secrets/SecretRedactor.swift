public import Logging

/// Replaces secrets in text with `***`, in every form text usually carries them.
///
/// A secret rarely appears only as itself. An error printed with
/// `String(describing:)` escapes its `"` and `\`; a JSON body escapes them too (and
/// Foundation's encoder writes `/` as `\/`); a URL or form body percent-encodes it;
/// an `Authorization: Basic` header holds it in base64 after `user:`. The redactor
/// searches for all of these:
/// - the secret itself;
/// - Swift-escaped, as `String(reflecting:)` and `dump` print it (and with non-ASCII
///   as `\u{…}`);
/// - JSON-escaped, as ``CanonicalJSON`` and Foundation's `JSONEncoder` write it, and
///   with non-ASCII as `\uXXXX`;
/// - percent-encoded for a URL's query, path, user, password, host or fragment, as
///   RFC 3986 unreserved or form-urlencoded, with upper- or lower-case hex digits and
///   with `+` for a space;
/// - in base64, standard or URL-safe, padded or not, starting at any byte offset
///   (so `base64("user:" + secret)` for any user name): the characters that encode
///   the secret alone are replaced; one or two characters at each end, which also
///   encode the neighbouring bytes, stay. Base64 fragments under 8 characters are not
///   searched for, so a secret of 6 bytes or fewer may show in base64;
/// - each of the above escaped once more as a Swift or JSON string.
///
/// Where occurrences overlap (one secret contains another, or two forms overlap),
/// the whole covered span becomes one `***`. Empty secrets are ignored.
///
/// The forms are computed once, at `init`; `redact(_:)` then makes a single
/// pass over the text and returns it unchanged, without copying, when it holds no
/// secret, so it is cheap enough for every log line and every error.
///
/// The redactor never prints its secrets: its description shows only their count.
public struct SecretRedactor: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secrets: Set<String>
    private let matcher: PatternMatcher

    /// A redactor for `secrets`.
    public init(_ secrets: some Sequence<String>) {
        let secrets = Set(secrets.filter { !$0.isEmpty })
        self.secrets = secrets
        matcher = PatternMatcher(patterns: secrets.reduce(into: Set<String>()) { $0.formUnion(SecretForms.all(of: $1)) })
    }

    /// A redactor that redacts nothing.
    public static let none = SecretRedactor([String]())

    /// Whether there are no secrets to redact.
    public var isEmpty: Bool { secrets.isEmpty }

    /// A redactor for the secrets of both.
    public func union(_ other: SecretRedactor) -> SecretRedactor {
        if other.secrets.isSubset(of: secrets) { return self }
        if secrets.isSubset(of: other.secrets) { return other }
        return SecretRedactor(secrets.union(other.secrets))
    }

    /// `text` with every form of every secret replaced by `***`.
    public func redact(_ text: String) -> String {
        redactedIfNeeded(text) ?? text
    }

    /// `metadata` with every key and value redacted, into nested dictionaries and
    /// arrays; a `stringConvertible` value that shows a secret becomes a redacted string.
    public func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        guard !isEmpty else { return metadata }
        var result = Logger.Metadata(minimumCapacity: metadata.count)
        for (key, value) in metadata {
            result[redact(key)] = redact(value)
        }
        return result
    }

    /// `value` redacted, into nested dictionaries and arrays.
    public func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text):
            return redactedIfNeeded(text).map { .string($0) } ?? value
        case .stringConvertible(let convertible):
            return redactedIfNeeded(convertible.description).map { .string($0) } ?? value
        case .dictionary(let metadata):
            return .dictionary(redact(metadata))
        case .array(let values):
            return .array(values.map(redact))
        }
    }

    /// Whether `text` holds any form of any secret.
    package func containsSecret(_ text: String) -> Bool {
        guard !isEmpty else { return false }
        var text = text
        return text.withUTF8 { !matcher.coveredRanges(in: $0).isEmpty }
    }

    /// The redacted text, or nil when `text` holds no secret.
    package func redactedIfNeeded(_ text: String) -> String? {
        guard !isEmpty else { return nil }
        var text = text
        return text.withUTF8 { utf8 -> String? in
            let ranges = matcher.coveredRanges(in: utf8)
            guard !ranges.isEmpty else { return nil }
            var result: [UInt8] = []
            result.reserveCapacity(utf8.count)
            var kept = 0
            for range in ranges {
                result.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[kept..<range.lowerBound]))
                result.append(contentsOf: "***".utf8)
                kept = range.upperBound
            }
            result.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[kept..<utf8.count]))
            return String(decoding: result, as: UTF8.self)
        }
    }

    // MARK: Equality and printing

    public static func == (lhs: SecretRedactor, rhs: SecretRedactor) -> Bool {
        lhs.secrets == rhs.secrets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secrets)
    }

    public var description: String {
        "SecretRedactor(\(secrets.count) \(secrets.count == 1 ? "secret" : "secrets"))"
    }

    public var debugDescription: String { description }

    /// Only the count, so `dump` does not show the secrets.
    public var customMirror: Mirror {
        Mirror(self, children: ["secretCount": secrets.count])
    }
}
