// The system SQLite (libsqlite3-dev on Debian), wrapped for BillingStore.
// Named so it cannot collide with another package's `CSQLite` module in a host.
#include <sqlite3.h>
