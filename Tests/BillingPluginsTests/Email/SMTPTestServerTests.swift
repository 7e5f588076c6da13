import BilingusTestSupport
import Foundation
import Testing

/// The SMTP test server's Swift side: the environment is there, the certificate and
/// maildir exist, and an address no test used has no messages.
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
}
