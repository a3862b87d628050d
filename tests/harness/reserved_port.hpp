#pragma once
// A loopback TCP port held for one test's listener for as long as this object lives. The port is
// bound here, so no other test's reservation can take it, also while the listener restarts; and it
// is marked reusable, so the listener itself (Mosquitto, openssl s_server: both bind with
// SO_REUSEADDR) binds it anyway. Nothing listens on it until that listener does.
namespace door::test {

class ReservedPort {
 public:
  ReservedPort();
  ~ReservedPort();
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;

  int number() const { return number_; }

 private:
  int fd_ = -1;
  int number_ = 0;
};

}  // namespace door::test
