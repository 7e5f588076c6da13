// The system SQLite (libsqlite3-dev on Debian), wrapped for BillingStore.
// Named so it cannot collide with another package's `CSQLite` module in a host.
#include <sqlite3.h>

// sqlite3_db_config is variadic, which Swift cannot call: one fixed form per option used.
// Whether closing the connection checkpoints the WAL into the database (and removes it).
static inline int bilingus_sqlite3_no_checkpoint_on_close(sqlite3 *db, int on) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, on, (int *)0);
}
