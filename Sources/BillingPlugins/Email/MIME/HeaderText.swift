import BillingCore

/// Checks on header values: the one place that keeps CR, LF and other control
/// characters out of headers, so header injection cannot happen.
enum HeaderText {
    /// Throws when `text` holds a C0 control character (CR and LF among them) or DEL.
    static func refuseControlCharacters(_ text: String, field: String) throws {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }) {
            throw BillingError(.invalidArgument, "The \(field) contains a line break or another control character; it cannot go in an email header.", field: field)
        }
    }

    /// True when the text is printable ASCII only (space to tilde), so it needs no encoding.
    static func isPlainPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }
}
