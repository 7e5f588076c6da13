/// The members of a JSON object, kept in canonical order: sorted by the UTF-8 bytes
/// of their keys, so encoding never sorts.
///
/// Keys are told apart by their bytes (their Unicode scalars), not by Swift's
/// canonical equivalence: `"\u{E9}"` and `"e\u{301}"` are two keys, as they are two
/// different byte strings in JSON text and in the canonical encoding.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// Sorted by key bytes; no two keys have the same bytes.
    private var members: [Element]

    /// An empty object.
    public init() {
        members = []
    }

    /// The members of a dictionary.
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.sorted { utf8Precedes($0.key, $1.key) }
    }

    /// Members in any order; for a key given twice (byte for byte), the last value wins.
    public init(_ members: some Sequence<Element>) {
        self.init()
        for member in members { self[member.key] = member.value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.lazy.map { (key: $0.0, value: $0.1) })
    }

    /// Members already sorted by key bytes with distinct keys (the parser's output).
    package init(sortedUniqueMembers members: [Element]) {
        self.members = members
    }

    // MARK: Collection

    public var startIndex: Int { 0 }
    public var endIndex: Int { members.count }
    public subscript(position: Int) -> Element { members[position] }

    /// The keys, in canonical order.
    public var keys: [String] { members.map(\.key) }

    /// The values, in their keys' canonical order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The value for `key`, matched byte for byte; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            let (position, found) = search(key)
            // Not a ternary: `nil` there would become `JSONValue.null`, not an absent value.
            guard found else { return Optional.none }
            return members[position].value
        }
        set {
            let (position, found) = search(key)
            switch (found, newValue) {
            case (true, let value?): members[position].value = value
            case (true, nil): members.remove(at: position)
            case (false, let value?): members.insert((key, value), at: position)
            case (false, nil): break
            }
        }
    }

    /// Removes the member for `key` (matched byte for byte) and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let (position, found) = search(key)
        guard found else { return Optional.none }
        return members.remove(at: position).value
    }

    /// These members and `other`'s; for a key in both, `combine` picks the value.
    public func merging(_ other: some Sequence<Element>, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var merged = self
        for (key, value) in other {
            merged[key] = try merged[key].map { try combine($0, value) } ?? value
        }
        return merged
    }

    /// The same keys with transformed values.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        JSONObject(sortedUniqueMembers: try members.map { ($0.key, try transform($0.value)) })
    }

    /// A dictionary of the transformed values (see ``dictionary`` on keys that a
    /// dictionary would merge).
    public func mapValues<T>(_ transform: (JSONValue) throws -> T) rethrows -> [String: T] {
        Dictionary(try members.map { ($0.key, try transform($0.value)) }, uniquingKeysWith: { _, last in last })
    }

    /// The members as a Swift dictionary. Keys that differ in bytes but are canonically
    /// equivalent are one key to `Dictionary`: the last in canonical order wins; see
    /// ``uniqueDictionary``.
    public var dictionary: [String: JSONValue] {
        Dictionary(members, uniquingKeysWith: { _, last in last })
    }

    /// The members as a Swift dictionary, or `nil` if two keys are canonically
    /// equivalent (a dictionary would merge them).
    public var uniqueDictionary: [String: JSONValue]? {
        var dictionary: [String: JSONValue] = [:]
        dictionary.reserveCapacity(members.count)
        for member in members {
            guard dictionary.updateValue(member.value, forKey: member.key) == nil else { return nil }
        }
        return dictionary
    }

    /// Where `key` is, or would be inserted, and whether it is there.
    private func search(_ key: String) -> (Int, Bool) {
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            let order = utf8Compare(members[middle].key, key)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }

    // MARK: Equality by bytes

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (left, right) in zip(lhs.members, rhs.members) {
            guard utf8Equal(left.key, right.key), left.value == right.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            hashUTF8(member.key, into: &hasher)
            hasher.combine(member.value)
        }
    }
}
