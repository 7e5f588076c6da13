/// Finds every occurrence of a fixed set of byte strings in one pass over a text.
///
/// Built for the common case, a log line or error text that contains no secret: each
/// position costs one bit test on its first two bytes. Only positions whose byte pair
/// starts some pattern are compared in full, longest pattern first.
struct PatternMatcher: Sendable {
    /// One bit per byte pair `(first << 8) | second` that starts a pattern of length >= 2.
    private let pairStarts: [UInt64]
    /// One bit per byte that is itself a whole pattern.
    private let singleBytes: [UInt64]
    /// Patterns of length >= 2 by their first two bytes, longest first.
    private let patternsByPair: [UInt16: [[UInt8]]]

    /// Whether there is nothing to find.
    let isEmpty: Bool

    init(patterns: some Sequence<String>) {
        var pairStarts = [UInt64](repeating: 0, count: 65536 / 64)
        var singleBytes = [UInt64](repeating: 0, count: 256 / 64)
        var patternsByPair: [UInt16: [[UInt8]]] = [:]
        var isEmpty = true
        for pattern in patterns {
            let bytes = Array(pattern.utf8)
            switch bytes.count {
            case 0:
                continue
            case 1:
                Self.setBit(Int(bytes[0]), in: &singleBytes)
            default:
                let pair = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
                Self.setBit(Int(pair), in: &pairStarts)
                patternsByPair[pair, default: []].append(bytes)
            }
            isEmpty = false
        }
        for pair in patternsByPair.keys {
            patternsByPair[pair]?.sort { $0.count > $1.count }
        }
        self.pairStarts = pairStarts
        self.singleBytes = singleBytes
        self.patternsByPair = patternsByPair
        self.isEmpty = isEmpty
    }

    /// The byte ranges covered by occurrences of any pattern, in order, with
    /// overlapping or touching occurrences merged: replacing each range hides every
    /// occurrence whole, even where two patterns overlap.
    func coveredRanges(in text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        guard !isEmpty, text.count > 0 else { return ranges }
        var current: Range<Int>?
        for start in 0..<text.count {
            guard let length = longestMatch(at: start, in: text) else { continue }
            let match = start..<start + length
            if let open = current, match.lowerBound <= open.upperBound {
                current = open.lowerBound..<max(open.upperBound, match.upperBound)
            } else {
                if let open = current { ranges.append(open) }
                current = match
            }
        }
        if let open = current { ranges.append(open) }
        return ranges
    }

    /// The length of the longest pattern that occurs at `start`, if any does.
    private func longestMatch(at start: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let first = text[start]
        if start + 1 < text.count {
            let pair = UInt16(first) << 8 | UInt16(text[start + 1])
            if Self.isBitSet(Int(pair), in: pairStarts), let candidates = patternsByPair[pair] {
                for pattern in candidates where Self.occurs(pattern, at: start, in: text) {
                    return pattern.count
                }
            }
        }
        return Self.isBitSet(Int(first), in: singleBytes) ? 1 : nil
    }

    private static func occurs(_ pattern: [UInt8], at start: Int, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard start + pattern.count <= text.count else { return false }
        for offset in 2..<pattern.count where text[start + offset] != pattern[offset] {
            return false
        }
        return true
    }

    private static func setBit(_ index: Int, in words: inout [UInt64]) {
        words[index >> 6] |= 1 << UInt64(index & 63)
    }

    private static func isBitSet(_ index: Int, in words: [UInt64]) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }
}
