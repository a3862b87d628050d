#pragma once
// The result of a fallible call, in the spirit of Pigweed's Status and azure-sdk-for-c's az_result:
// a small code, [[nodiscard]] on the type itself, so every call that returns one must look at it
// (warnings are errors in this build).
#include <cstdint>

namespace door::port {

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

  constexpr Status() = default;
  static constexpr Status ok() { return Status(Code::ok); }
  static constexpr Status invalid() { return Status(Code::invalid); }
  static constexpr Status too_large() { return Status(Code::too_large); }
  static constexpr Status full() { return Status(Code::full); }
  static constexpr Status unavailable() { return Status(Code::unavailable); }
  static constexpr Status io_error() { return Status(Code::io_error); }
  // From a bool result: ok, or the given failure.
  static constexpr Status from(bool ok, Code failure) { return Status(ok ? Code::ok : failure); }

  constexpr bool is_ok() const { return code_ == Code::ok; }
  constexpr Code code() const { return code_; }
  constexpr bool operator==(Status other) const { return code_ == other.code_; }
  constexpr bool operator!=(Status other) const { return code_ != other.code_; }
  const char* text() const;

 private:
  constexpr explicit Status(Code code) : code_(code) {}
  Code code_ = Code::ok;
};

}  // namespace door::port
