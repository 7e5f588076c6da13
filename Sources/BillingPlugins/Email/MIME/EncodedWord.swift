import Foundation

/// RFC 2047 encoded-words (`=?UTF-8?B?...?=`) for header text that is not plain ASCII.
enum EncodedWord {
    /// An encoded-word is at most 75 characters: 12 of framing leave 63 for base64,
    /// so 60 characters, which carry 45 bytes.
    static let maxWordLength = 75
    static let maxBytesPerWord = 45

    /// Encodes `text` as encoded-words of at most 75 characters each. Words break
    /// between graphemes where one fits, and never inside a UTF-8 sequence, so each
    /// word decodes to valid UTF-8 on its own. The first word is at most
    /// `firstWordLimit` characters, to fit on the line after the header's name.
    static func encode(_ text: String, firstWordLimit: Int = maxWordLength) -> [String] {
        // 12 characters of framing, then 4 base64 characters per 3 bytes.
        var limit = max(1, (min(firstWordLimit, maxWordLength) - 12) / 4) * 3
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        func add(_ piece: [UInt8]) {
            if current.count + piece.count > limit, !current.isEmpty {
                chunks.append(current)
                current = []
                limit = maxBytesPerWord
            }
            current += piece
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= limit {
                add(bytes)
            } else {
                // A grapheme too long for one word (a long emoji sequence): split between scalars.
                for scalar in character.unicodeScalars {
                    add(Array(String(scalar).utf8))
                }
            }
        }
        if !current.isEmpty || chunks.isEmpty {
            chunks.append(current)
        }
        return chunks.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }
    }

    /// The words of a free-text header value (a subject): split at single spaces when
    /// the text is plain ASCII that folds cleanly, otherwise encoded-words.
    static func headerWords(_ text: String, firstWordLimit: Int = maxWordLength) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let foldsCleanly = HeaderText.isPlainPrintableASCII(text)
            && !text.contains("=?")
            && words.allSatisfy { !$0.isEmpty && $0.utf8.count <= 76 }
        if foldsCleanly || text.isEmpty {
            return words
        }
        return encode(text, firstWordLimit: firstWordLimit)
    }
}
