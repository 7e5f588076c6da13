import BilingusTestSupport
import BillingCore
import BillingStore
import Foundation
import Testing

/// A well-formed key for the files these tests write.
private let fileKeyBase64 = Data((0..<32).map { UInt8($0 * 3) }).base64EncodedString()

@Suite("Sealing key file")
struct SealingKeyFileTests {

    func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    func write(_ contents: String, mode: Int = 0o600) throws -> SealingKeyFile {
        let path = TemporaryFiles.newPath("keys")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: mode]))
        return SealingKeyFile(path: path)
    }

    func loadError(_ file: SealingKeyFile) -> BillingError? {
        do {
            _ = try file.load()
            return nil
        } catch {
            return error as? BillingError
        }
    }

    @Test("A new key file is created with mode 0600, one '<id> <base64>' line, and reloads identical")
    func createAndReload() throws {
        let file = SealingKeyFile(path: TemporaryFiles.newPath("keys"))
        let created = try file.loadOrCreate()
        #expect(created.created)
        #expect(created.keyring.current.id.hasPrefix("local-"))
        #expect(try permissions(file.path) == 0o600)
        let contents = try String(contentsOfFile: file.path, encoding: .utf8)
        let fields = contents.dropLast().split(separator: " ")
        #expect(contents.hasSuffix("\n") && fields.count == 2 && fields[0] == created.keyring.current.id)
        #expect(Data(base64Encoded: String(fields[1]))?.count == 32)

        #expect(try file.load() == created.keyring)
        let again = try file.loadOrCreate()
        #expect(!again.created)
        #expect(again.keyring == created.keyring)
        // Only this file's temporaries: other tests write key files in the same folder at the same time.
        let name = URL(fileURLWithPath: file.path).lastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: TemporaryFiles.directory.path).filter { $0.hasPrefix(name + ".tmp-") }
        #expect(leftovers.isEmpty, "the temporary file is removed")
    }

    @Test("Two tasks creating the same key file at once end up with one key")
    func concurrentCreation() async throws {
        for round in 0..<20 {
            let file = SealingKeyFile(path: TemporaryFiles.newPath("race-\(round)"))
            async let first = Task.detached { try file.loadOrCreate(newKeyID: "first") }.value
            async let second = Task.detached { try file.loadOrCreate(newKeyID: "second") }.value
            let results = try await [first, second]
            #expect(results.filter(\.created).count == 1)
            #expect(results[0].keyring == results[1].keyring)
            #expect(try file.load() == results[0].keyring)
        }
    }

    @Test("A key file readable by group or others is refused, with the fix in the message", arguments: [0o644, 0o640, 0o604, 0o660])
    func insecureMode(mode: Int) throws {
        let file = try write("k1 \(fileKeyBase64)\n", mode: mode)
        let failure = loadError(file)
        #expect(failure?.code == .secretKeyFileInsecure)
        #expect(failure?.message.contains("chmod 600 \(file.path)") == true)
        #expect(failure?.message.contains(String(mode, radix: 8)) == true)
        #expect(throws: BillingError.self) { try file.loadOrCreate() }
    }

    @Test("A malformed key file is refused, naming the line but never showing it", arguments: [
        "",
        "# only a comment\n",
        "k1\n",
        "k1 \(fileKeyBase64) extra\n",
        "k1 \(fileKeyBase64.dropLast(4))\n",
        "k:1 \(fileKeyBase64)\n",
        "k1 \(fileKeyBase64)\nk1 \(fileKeyBase64)\n",
    ])
    func malformed(contents: String) throws {
        let file = try write(contents)
        let failure = loadError(file)
        #expect(failure?.code == .secretKeyFileMalformed, "\(failure.map(String.init(describing:)) ?? "loaded")")
        #expect(failure?.message.contains(file.path) == true)
        #expect(failure?.message.contains(fileKeyBase64.prefix(12)) == false)
    }

    @Test("Several keys: the first line is current, the others previous; comments and blank lines are skipped")
    func severalKeys() throws {
        let other = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let file = try write("# rotated 2026-12-01\nk2 \(other)\r\n\n  k1\t\(fileKeyBase64)  \n")
        let keyring = try file.load()
        #expect(keyring.keyIDs == ["k2", "k1"])
        #expect(keyring.key(withID: "k1") == (try SealingKey(id: "k1", base64: fileKeyBase64)))
    }

    @Test("A missing key file is unavailable to load; neither the file nor its keyring prints the key")
    func missingAndPrinting() throws {
        let file = SealingKeyFile(path: TemporaryFiles.newPath("missing"))
        #expect(loadError(file)?.code == .secretKeyFileUnavailable)
        let keyring = try file.loadOrCreate().keyring
        let contents = try String(contentsOfFile: file.path, encoding: .utf8)
        let base64 = String(contents.dropLast().split(separator: " ")[1])
        var dumped = ""
        dump(file, to: &dumped)
        dump(keyring, to: &dumped)
        for text in [String(describing: file), String(reflecting: file), String(describing: keyring), String(reflecting: keyring), dumped] {
            #expect(!text.contains(base64.prefix(8)), "\(text)")
        }
    }

    @Test("A key file in a directory that does not exist is unavailable, not created")
    func missingDirectory() {
        let file = SealingKeyFile(path: TemporaryFiles.directory.appendingPathComponent("no-such-dir/db.key").path)
        #expect(throws: BillingError.self) { try file.loadOrCreate() }
    }
}
