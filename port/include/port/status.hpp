#pragma once
// The result of a fallible call, in the spirit of Pigweed's Status/Result and azure-sdk-for-c's
// az_result: a small code, the errno of a failed system call, and a one-line reason for people,
// held in the object itself (no heap). Both types are [[nodiscard]] on the type itself, so every
// call that returns one must look at it (warnings are errors in this build).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>

namespace door::port {

// A reason is one line: a path of up to about 150 bytes and a sentence naming what went wrong fit.
// A longer one is cut and ends in "...", so it never needs the heap.
constexpr std::size_t kStatusReasonBytes = 256;

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    ok,
    invalid,      // the input is malformed or out of range
    too_large,    // it does not fit the fixed capacity meant for it
    full,         // every slot is taken
    unavailable,  // the resource (session, hardware, file) cannot take it now
    io_error,     // the system refused (a write, a device)
  };

  Status() : Status(Code::ok) {}
  static Status ok() { return Status(Code::ok); }
  static Status invalid() { return Status(Code::invalid); }
  static Status too_large() { return Status(Code::too_large); }
  static Status full() { return Status(Code::full); }
  static Status unavailable() { return Status(Code::unavailable); }
  static Status io_error() { return Status(Code::io_error); }
  // From a bool result: ok, or the given failure.
  static Status from(bool ok, Code failure) { return Status(ok ? Code::ok : failure); }
  // A failure with its reason, formatted as printf formats.
  static Status failure(Code code, const char* format, ...) __attribute__((format(printf, 2, 3)));
  // A failed system call: the reason is the formatted text, ": " and strerror(error_number).
  static Status system_error(Code code, int error_number, const char* format, ...)
      __attribute__((format(printf, 3, 4)));

  bool is_ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  // The errno of the failed system call; 0 when the failure was not one.
  int error_number() const { return error_number_; }
  // The reason given, or the code's text when none was.
  const char* reason() const { return reason_[0] != '\0' ? reason_ : text(); }
  // The code's text ("ok", "full", ...).
  const char* text() const;
  // Statuses compare by code; the reason is for people.
  bool operator==(const Status& other) const { return code_ == other.code_; }
  bool operator!=(const Status& other) const { return code_ != other.code_; }

 private:
  explicit Status(Code code) : code_(code) { reason_[0] = '\0'; }

  Code code_;
  int error_number_ = 0;
  char reason_[kStatusReasonBytes];  // NUL-terminated; only as much as the reason is written
};

// A value, or the Status that says why there is none. value() is for a result that is_ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  // Both convert implicitly, so a function returns a value or a failure as it is.
  Result(T value) : value_(std::move(value)) {}
  // A failure. An ok status carries no value, so it is turned into an invalid one.
  Result(Status status)
      : status_(status.is_ok() ? Status::failure(Status::Code::invalid, "a result without a value")
                               : std::move(status)) {}

  bool is_ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    check();
    return *value_;
  }
  const T& value() const& {
    check();
    return *value_;
  }
  T&& value() && {
    check();
    return std::move(*value_);
  }

 private:
  // Reading the value of a failure is a programming error; there is nothing to give.
  void check() const {
    if (!value_.has_value()) std::abort();
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace door::port
