import BilingusTestSupport
import BillingCore
import Foundation
import Testing

/// The SMTP test server's Swift side: the environment is there, the certificate and
/// maildir exist, an address no test used has no messages, and a message sent with
/// Python's smtplib is found and parsed back.
@Suite struct SMTPTestServerTests {
    @Test func environmentNamesARunningServer() throws {
        let server = try SMTPTestServer.start()
        #expect(server.host == "127.0.0.1")
        #expect(server.port > 0 && server.implicitTLSPort > 0 && server.port != server.implicitTLSPort)
        #expect(!server.user.isEmpty && !server.password.isEmpty)
        #expect(FileManager.default.fileExists(atPath: server.caCertificatePath))
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: server.maildir, isDirectory: &isFolder) && isFolder.boolValue)
    }

    @Test func anUnusedAddressHasNoMessages() throws {
        let server = try SMTPTestServer.start()
        let messages = try server.messages(to: "unused-\(UUID().uuidString.lowercased())@example.com")
        #expect(messages.isEmpty)
    }

    @Test func aSentMessageIsFoundAndParsed() throws {
        let server = try SMTPTestServer.start()
        let recipient = "swift-\(UUID().uuidString.lowercased())@example.com"
        try sendWithPython(to: recipient, server: server)

        let messages = try server.messages(to: recipient.uppercased())
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.mailFrom == "billing@example.com")
        #expect(message.recipients == [recipient])
        let parsed = try server.parsed(message)
        #expect(parsed["headers"]?["subject"]?.arrayValue?.first?.stringValue == "Счёт №42")
        #expect(parsed["headers"]?["from"]?.arrayValue?.first?.stringValue == "Биллинг <billing@example.com>")
        let subjectAsSent = parsed["raw_headers"]?["subject"]?.arrayValue?.first?.stringValue ?? ""
        #expect(subjectAsSent.hasPrefix("=?utf-8?"))
        #expect(parsed["parts"]?.arrayValue?.first?["charset"]?.stringValue == "utf-8")
    }

    /// Sends one message through the STARTTLS port with Python's smtplib (the Swift client is tested elsewhere).
    private func sendWithPython(to recipient: String, server: SMTPTestServer) throws {
        let script = """
            import smtplib, ssl, sys
            from email.message import EmailMessage
            host, port, user, password, ca, to = sys.argv[1:]
            message = EmailMessage()
            message["From"] = "Биллинг <billing@example.com>"
            message["To"] = to
            message["Subject"] = "Счёт №42"
            message.set_content("Здравствуйте!")
            client = smtplib.SMTP(host, int(port), timeout=10)
            client.starttls(context=ssl.create_default_context(cafile=ca))
            client.login(user, password)
            client.send_message(message)
            client.quit()
            """
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = try Spawn.start(
            root.appendingPathComponent(".test-venv/bin/python").path,
            ["-c", script, server.host, String(server.port), server.user, server.password, server.caCertificatePath, recipient])
        #expect(python.wait() == 0)
    }
}
