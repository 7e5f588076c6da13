import NIOCore

/// Cuts the server's bytes into lines (CRLF, or a bare LF from a sloppy server) and
/// assembles them into replies, multi-line ones included, with `SMTPReplyParser`.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    private var parser = SMTPReplyParser()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            // No line end yet: a line longer than any reply may be is an error, not a reason to buffer forever.
            guard buffer.readableBytes <= SMTPReplyParser.maxLineBytes + 2 else {
                throw SMTPProtocolError("a reply line is longer than \(SMTPReplyParser.maxLineBytes) bytes")
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readBytes(length: length + 1) ?? []
        line.removeLast()  // LF
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if let reply = try parser.feed(String(decoding: line, as: UTF8.self)) {
            context.fireChannelRead(Self.wrapInboundOut(reply))
        }
        return .continue
    }

    /// Called at EOF, and when the decoder is removed for the TLS upgrade. Bytes that do not
    /// form a whole reply then are an error: at EOF a cut reply, before TLS bytes the server
    /// sent after its 220 to STARTTLS, which must not be read as if they came through TLS.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        guard buffer.readableBytes == 0 else {
            let count = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: count)
            throw seenEOF
                ? SMTPProtocolError("the server closed the connection in the middle of a reply")
                : SMTPProtocolError("the server sent \(count) more bytes after its reply to STARTTLS, before the TLS handshake; they are refused (they could be injected)")
        }
        return .needMoreData
    }
}
