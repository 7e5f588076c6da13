import Foundation
import BillingCore

/// An email with a plain-text part and an optional HTML part, rendered as RFC 5322 /
/// MIME bytes for SMTP DATA (CRLF line ends; dot-stuffing is the SMTP client's job).
struct EmailMessage: Sendable, Hashable {
    var from: EmailAddress
    /// At least one recipient.
    var to: [EmailAddress]
    var replyTo: EmailAddress?
    var subject: String
    var text: String
    var html: String?

    /// The message: headers, then one text part, or `multipart/alternative` with the
    /// text part first and the HTML part second.
    ///
    /// Throws `invalidArgument` when there is no recipient, the subject has a line break
    /// or control character, or the message id or boundary is malformed.
    func rendered(date: Date, messageID: String, boundary: String) throws -> [UInt8] {
        try HeaderText.refuseControlCharacters(subject, field: "subject")
        guard !to.isEmpty else {
            throw BillingError(.invalidArgument, "An email needs at least one recipient.", field: "to")
        }
        // Addresses are validated when made, but the fields are settable: check again.
        for address in [from] + to + (replyTo.map { [$0] } ?? []) {
            try EmailAddress.validate(address.address)
            if let name = address.name { try HeaderText.refuseControlCharacters(name, field: "name") }
        }
        try Self.validateMessageID(messageID)
        try Self.validateBoundary(boundary)

        var out = HeaderFolding.fold(name: "Date", words: [RFC5322Date.format(date)])
        out += HeaderFolding.fold(name: "From", words: from.headerWords(firstWordLimit: HeaderFolding.firstWordRoom(name: "From")))
        out += HeaderFolding.fold(name: "To", words: Self.addressList(to))
        if let replyTo {
            out += HeaderFolding.fold(name: "Reply-To", words: replyTo.headerWords(firstWordLimit: HeaderFolding.firstWordRoom(name: "Reply-To")))
        }
        out += HeaderFolding.fold(name: "Subject", words: EncodedWord.headerWords(subject, firstWordLimit: HeaderFolding.firstWordRoom(name: "Subject")))
        out += "Message-ID: <\(messageID)>\r\n"
        out += "MIME-Version: 1.0\r\n"
        guard let html else {
            out += Self.part(text, subtype: "plain")
            return Array(out.utf8)
        }
        out += "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
        out += "--\(boundary)\r\n" + Self.part(text, subtype: "plain") + "\r\n"
        out += "--\(boundary)\r\n" + Self.part(html, subtype: "html") + "\r\n"
        out += "--\(boundary)--\r\n"
        return Array(out.utf8)
    }

    /// A part's headers, blank line and encoded body, ending in CRLF.
    static func part(_ body: String, subtype: String) -> String {
        let normalized = TransferEncoding.normalizeLineEnds(body)
        let encoding = TransferEncoding.choose(for: normalized)
        return "Content-Type: text/\(subtype); charset=utf-8\r\n"
            + "Content-Transfer-Encoding: \(encoding.rawValue)\r\n\r\n"
            + encoding.encode(normalized) + "\r\n"
    }

    /// Mailboxes separated by commas: the comma goes on the last word of each.
    static func addressList(_ addresses: [EmailAddress]) -> [String] {
        var words: [String] = []
        for (index, address) in addresses.enumerated() {
            var mailbox = address.headerWords(firstWordLimit: index == 0 ? HeaderFolding.firstWordRoom(name: "To") : EncodedWord.maxWordLength)
            if index < addresses.count - 1 { mailbox[mailbox.count - 1] += "," }
            words += mailbox
        }
        return words
    }
}
