public import BillingCore
import Foundation

/// Outgoing-webhook endpoints in `webhook_endpoints` (migrations 5 and 6). Secrets arrive sealed
/// and are stored as given.
extension SQLiteEventStore: WebhookEndpointStore {
    private static let endpointColumns = """
        id, tenant_id, url, event_patterns, is_active, disabled_reason, description, metadata, rate_limit_per_second, secrets, \
        version, created_at, updated_at, failing_since, exhausted_messages
        """

    public func insertWebhookEndpoint(_ endpoint: WebhookEndpointRecord) async throws {
        try await writer.withConnection { connection in
            let insert = try connection.statement(
                "INSERT INTO webhook_endpoints (\(Self.endpointColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
            )
            defer { insert.reset() }
            Self.bind(endpoint, to: insert)
            _ = try insert.step("insert a webhook endpoint")
            guard connection.changes > 0 else {
                throw BillingError(.alreadyExists, "A webhook endpoint with id \(endpoint.id) exists already", field: "id")
            }
        }
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpointRecord? {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.endpointColumns) FROM webhook_endpoints WHERE id = ?")
            defer { statement.reset() }
            statement.bind(1, id)
            return try statement.step("read a webhook endpoint") ? try Self.decodeEndpoint(statement) : nil
        }
    }

    public func webhookEndpoints(tenant: TenantScope, after afterId: String?, limit: Int) async throws -> [WebhookEndpointRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        let scope: String
        switch tenant {
        case .any: scope = "1"
        case .tenant: scope = "tenant_id = ?3"
        case .untenanted: scope = "tenant_id IS NULL"
        }
        return try await readers.read(inline: true) { connection in
            let statement = try connection.statement(
                "SELECT \(Self.endpointColumns) FROM webhook_endpoints WHERE \(scope) AND (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2"
            )
            defer { statement.reset() }
            statement.bind(1, afterId)
            statement.bind(2, Int64(limit))
            if case .tenant(let id) = tenant { statement.bind(3, id) }
            var endpoints: [WebhookEndpointRecord] = []
            while try statement.step("list webhook endpoints") {
                endpoints.append(try Self.decodeEndpoint(statement))
            }
            return endpoints
        }
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpointRecord, expectedVersion: Int64) async throws -> WebhookEndpointRecord? {
        try await writer.withConnection { connection -> WebhookEndpointRecord? in
            // The stored row comes back from the update itself (none when the version did not match).
            let update = try connection.statement(
                """
                UPDATE webhook_endpoints SET url = ?3, event_patterns = ?4, is_active = ?5, disabled_reason = ?6, description = ?7,
                    metadata = ?8, rate_limit_per_second = ?9, secrets = ?10, version = version + 1, updated_at = ?13,
                    failing_since = ?14, exhausted_messages = ?15
                WHERE id = ?1 AND version = ?16
                RETURNING \(Self.endpointColumns)
                """
            )
            defer { update.reset() }
            Self.bind(endpoint, to: update)
            update.bind(16, expectedVersion)
            var stored: WebhookEndpointRecord?
            while try update.step("update a webhook endpoint") { stored = try Self.decodeEndpoint(update) }
            return stored
        }
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        try await writer.withConnection { connection in
            let delete = try connection.statement("DELETE FROM webhook_endpoints WHERE id = ?")
            defer { delete.reset() }
            delete.bind(1, id)
            _ = try delete.step("delete a webhook endpoint")
            return connection.changes > 0
        }
    }

    /// Binds the 15 columns in ``endpointColumns`` order, as parameters 1 to 15.
    private static func bind(_ endpoint: WebhookEndpointRecord, to statement: SQLiteStatement) {
        statement.bind(1, endpoint.id)
        statement.bind(2, endpoint.tenantId)
        statement.bind(3, endpoint.url)
        statement.bind(4, CanonicalJSON.string(.array(endpoint.eventPatterns.map { .string($0) })))
        statement.bind(5, endpoint.isActive ? Int64(1) : 0)
        statement.bind(6, endpoint.disabledReason)
        statement.bind(7, endpoint.description)
        statement.bind(8, CanonicalJSON.string(.object(JSONObject(endpoint.metadata.mapValues { .string($0) }))))
        statement.bind(9, endpoint.rateLimitPerSecond.map { Int64($0) })
        statement.bind(10, CanonicalJSON.string(.array(endpoint.secrets.map(secretJSON))))
        statement.bind(11, endpoint.version)
        statement.bind(12, Timestamp.microseconds(endpoint.createdAt))
        statement.bind(13, Timestamp.microseconds(endpoint.updatedAt))
        statement.bind(14, endpoint.failingSince.map { Timestamp.microseconds($0) })
        statement.bind(15, Int64(endpoint.exhaustedMessages))
    }

    private static func secretJSON(_ secret: WebhookSecretRecord) -> JSONValue {
        var object: JSONObject = ["sealed": .string(secret.sealed), "createdAt": .int(Timestamp.microseconds(secret.createdAt))]
        if let expiresAt = secret.expiresAt { object["expiresAt"] = .int(Timestamp.microseconds(expiresAt)) }
        return .object(object)
    }

    private static func decodeEndpoint(_ statement: SQLiteStatement) throws -> WebhookEndpointRecord {
        func corrupt(_ column: String) -> BillingError {
            BillingError(.storageCorrupt, "A webhook endpoint's stored \(column) is not what Bilingus writes", field: column)
        }
        guard let patterns = try statement.string(3).map({ try CanonicalJSON.decode($0) })?.arrayValue?.map({ $0.stringValue }),
            !patterns.contains(nil)
        else { throw corrupt("event_patterns") }
        guard let metadata = try statement.string(7).map({ try CanonicalJSON.decode($0) })?.objectValue?.dictionary.mapValues(\.stringValue),
            !metadata.values.contains(nil)
        else { throw corrupt("metadata") }
        guard let secretValues = try statement.string(9).map({ try CanonicalJSON.decode($0) })?.arrayValue else { throw corrupt("secrets") }
        let secrets = try secretValues.map { value -> WebhookSecretRecord in
            guard let sealed = value["sealed"]?.stringValue, let created = value["createdAt"]?.intValue else { throw corrupt("secrets") }
            return WebhookSecretRecord(
                sealed: sealed, createdAt: Timestamp.date(microseconds: Int64(created)),
                expiresAt: value["expiresAt"]?.intValue.map { Timestamp.date(microseconds: Int64($0)) })
        }
        return WebhookEndpointRecord(
            id: statement.string(0) ?? "", tenantId: statement.string(1), url: statement.string(2) ?? "", eventPatterns: patterns.compactMap { $0 },
            isActive: statement.int64(4) != 0, disabledReason: statement.string(5), description: statement.string(6),
            metadata: metadata.compactMapValues { $0 }, rateLimitPerSecond: statement.isNull(8) ? nil : Int(statement.int64(8)), secrets: secrets,
            failingSince: statement.isNull(13) ? nil : Timestamp.date(microseconds: statement.int64(13)),
            exhaustedMessages: Int(statement.int64(14)), version: statement.int64(10), createdAt: Timestamp.date(microseconds: statement.int64(11)),
            updatedAt: Timestamp.date(microseconds: statement.int64(12))
        )
    }
}
