#include "agent/twin_answer.hpp"

#include <cstddef>

namespace door::agent {

namespace {

// Deeper than any twin IoT Hub accepts (10 levels), shallow enough for the stack.
constexpr int kMaxNesting = 32;

// Skips over JSON values (RFC 8259 grammar), building nothing.
class JsonSkipper {
 public:
  explicit JsonSkipper(std::string_view text) : text_(text) {}

  std::size_t position() const { return pos_; }
  bool at_end() {
    space();
    return pos_ == text_.size();
  }
  bool take(char c) {
    space();
    if (pos_ == text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  // A string; raw is its text between the quotes, escapes as written.
  bool string(std::string_view* raw = nullptr) {
    if (!take('"')) return false;
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') {
        if (raw != nullptr) *raw = text_.substr(start, pos_ - 1 - start);
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\' && !escape()) return false;
    }
    return false;
  }
  bool value(int depth) {
    space();
    if (pos_ == text_.size() || depth > kMaxNesting) return false;
    switch (text_[pos_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }

 private:
  bool escape() {
    if (pos_ == text_.size()) return false;
    const char c = text_[pos_++];
    if (c != 'u') return std::string_view("\"\\/bfnrt").find(c) != std::string_view::npos;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (pos_ == text_.size() || !hex(text_[pos_])) return false;
    }
    return true;
  }
  static bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  bool digits() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }
  bool number() {
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return false;
    }
    return true;
  }
  bool word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  bool object(int depth) {
    ++pos_;
    if (take('}')) return true;
    do {
      if (!string() || !take(':') || !value(depth + 1)) return false;
    } while (take(','));
    return take('}');
  }
  bool array(int depth) {
    ++pos_;
    if (take(']')) return true;
    do {
      if (!value(depth + 1)) return false;
    } while (take(','));
    return take(']');
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

TwinAnswer reduce_twin_answer(std::string_view answer, port::TextWriter& out) {
  JsonSkipper json(answer);
  std::string_view desired;
  bool found = false;
  if (!json.take('{')) return TwinAnswer::unreadable;
  if (!json.take('}')) {
    do {
      std::string_view name;
      if (!json.string(&name) || !json.take(':')) return TwinAnswer::unreadable;
      // IoT Hub writes its member names plainly; an escaped one could spell "desired" twice.
      if (name.find('\\') != std::string_view::npos) return TwinAnswer::unreadable;
      json.space();
      const std::size_t start = json.position();
      if (!json.value(1)) return TwinAnswer::unreadable;
      if (name == "desired") {
        if (found) return TwinAnswer::unreadable;  // which one would IoT Hub mean?
        found = true;
        desired = answer.substr(start, json.position() - start);
      }
    } while (json.take(','));
    if (!json.take('}')) return TwinAnswer::unreadable;
  }
  if (!found || !json.at_end()) return TwinAnswer::unreadable;
  out.add(R"({"desired":)").add(desired).add('}');
  return out.ok() ? TwinAnswer::reduced : TwinAnswer::desired_too_large;
}

}  // namespace door::agent
