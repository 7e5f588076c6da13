import BillingCore
import Foundation

/// An email address with an optional display name, validated when made.
///
/// The address must be a plain `local@domain` addr-spec: ASCII, a dot-atom on both
/// sides, at most 254 characters. Quoted local parts are refused.
public struct EmailAddress: Sendable, Hashable {
    /// The addr-spec, such as `billing@example.com`.
    public var address: String
    /// The display name, such as `Ада Лавлейс`, if any.
    public var name: String?

    /// Creates an address, refusing anything that is not a dot-atom `local@domain`
    /// or a name with a line break or control character.
    public init(_ address: String, name: String? = nil) throws {
        try Self.validate(address)
        if let name {
            try HeaderText.refuseControlCharacters(name, field: "name")
        }
        self.address = address
        self.name = name
    }

    static let atext: Set<UInt8> = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)

    static func validate(_ address: String) throws {
        func refuse(_ why: String) -> BillingError {
            // The address is the only input echoed, and only when it is printable ASCII.
            let shown = HeaderText.isPlainPrintableASCII(address) && address.utf8.count <= 254 ? "'\(address)'" : "The address"
            return BillingError(.invalidArgument, "\(shown) is not a valid email address: \(why).", field: "address")
        }
        let bytes = Array(address.utf8)
        guard bytes.count <= 254 else { throw refuse("it is longer than 254 characters") }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw refuse("it must be printable ASCII without spaces or line breaks")
        }
        let parts = bytes.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw refuse("it must have exactly one @") }
        guard isDotAtom(parts[0]), parts[0].count <= 64 else { throw refuse("the part before @ must be a dot-atom of at most 64 characters") }
        guard isDotAtom(parts[1]) else { throw refuse("the domain must be a dot-atom") }
    }

    static func isDotAtom(_ bytes: ArraySlice<UInt8>) -> Bool {
        let atoms = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !bytes.isEmpty && atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy { atext.contains($0) } }
    }

    /// The RFC 5322 mailbox, as words to fold: the name (encoded-words when not
    /// ASCII, a quoted-string when it has specials) then `<address>`.
    func headerWords(firstWordLimit: Int = EncodedWord.maxWordLength) -> [String] {
        guard let name, !name.isEmpty else { return ["<\(address)>"] }
        if HeaderText.isPlainPrintableASCII(name) {
            let specials = Set("()<>[]:;@\\,.\"".utf8)
            let needsQuotes = name.utf8.contains(where: { specials.contains($0) }) || name.hasPrefix(" ") || name.hasSuffix(" ") || name.contains("  ")
            let phrase = needsQuotes ? "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" : name
            return [phrase, "<\(address)>"]
        }
        return EncodedWord.encode(name, firstWordLimit: firstWordLimit) + ["<\(address)>"]
    }
}
