import BillingCore

extension EmailMessage {
    /// A fresh Message-ID without its angle brackets: 32 random hex digits `@domain`.
    static func messageID(domain: String, using generator: inout some RandomNumberGenerator) -> String {
        "\(randomHex(bytes: 16, using: &generator))@\(domain)"
    }

    /// A fresh multipart boundary. It starts with `=_`, which quoted-printable and
    /// base64 output can never contain, so no body line can match it.
    static func boundary(using generator: inout some RandomNumberGenerator) -> String {
        "=_bilingus_\(randomHex(bytes: 16, using: &generator))"
    }

    static func randomHex(bytes: Int, using generator: inout some RandomNumberGenerator) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for _ in 0..<bytes {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }

    /// A Message-ID is `left@right`, dot-atoms both, as an address is (RFC 5322 §3.6.4).
    static func validateMessageID(_ id: String) throws {
        let parts = Array(id.utf8).split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard id.utf8.count <= 250, parts.count == 2, EmailAddress.isDotAtom(parts[0]), EmailAddress.isDotAtom(parts[1]) else {
            throw BillingError(.invalidArgument, "The message id must be left@right, dot-atoms without brackets, spaces or control characters.", field: "messageID")
        }
    }

    /// A boundary is 1 to 70 characters of RFC 2046 `bcharsnospace`.
    static func validateBoundary(_ boundary: String) throws {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?".utf8)
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy({ allowed.contains($0) }) else {
            throw BillingError(.invalidArgument, "The MIME boundary must be 1 to 70 letters, digits or '()+_,-./:=?.", field: "boundary")
        }
    }
}
