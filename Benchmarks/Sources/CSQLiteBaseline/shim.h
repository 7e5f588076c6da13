// The system SQLite (libsqlite3-dev on Debian), for the benchmarks' raw C API baseline.
// A different module name than the root package's CBilingusSQLite, so the two never clash.
#include <sqlite3.h>

// glibc's malloc_trim, so scenario 4 measures RSS growth on a trimmed heap.
#if defined(__linux__)
#include <malloc.h>
#endif
