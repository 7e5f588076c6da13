import Logging

/// Engines in tests log nothing unless a test looks at the logs.
let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
