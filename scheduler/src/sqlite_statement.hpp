#pragma once
// Prepared SQLite statements as the store's files use them: finalized when they go out of scope,
// text bound by copy, a NULL column read as "".
#include <sqlite3.h>

#include <memory>
#include <string>

namespace door::scheduler::sql {

struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

// Empty when the SQL does not compile (sqlite3_errmsg tells why).
inline Statement prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s);
    return Statement();
  }
  return Statement(s);
}

inline void bind(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.c_str(), -1, SQLITE_TRANSIENT);
}

inline std::string column_text(sqlite3_stmt* s, int index) {
  const unsigned char* text = sqlite3_column_text(s, index);
  return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace door::scheduler::sql
