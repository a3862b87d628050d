#include "protocol/json_document.hpp"

#include <cstring>

namespace door::protocol {

namespace {

bool json_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

cJSON* refuse(std::size_t offset, JsonRefusal* refusal) {
  if (refusal != nullptr) refusal->offset = offset;
  return nullptr;
}

bool number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Moves through the text from one number token to the next, outside strings. The numbers of a
// parsed document appear in the text in the order of a depth-first walk of its tree (cJSON keeps
// members in order, repeated ones too).
class NumberTokens {
 public:
  explicit NumberTokens(std::string_view text) : text_(text) {}

  std::string_view next() {
    bool in_string = false;
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (in_string) {
        if (c == '\\') ++at_;
        if (c == '"') in_string = false;
        ++at_;
      } else if (c == '"') {
        in_string = true;
        ++at_;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        const std::size_t start = at_;
        while (at_ < text_.size() && number_char(text_[at_])) ++at_;
        return text_.substr(start, at_ - start);
      } else {
        ++at_;
      }
    }
    return {};
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

bool attach_number_texts(cJSON* item, NumberTokens& tokens) {
  if (cJSON_IsNumber(item)) {
    const std::string_view token = tokens.next();
    auto* copy = static_cast<char*>(cJSON_malloc(token.size() + 1));
    if (copy == nullptr) return false;
    std::memcpy(copy, token.data(), token.size());
    copy[token.size()] = '\0';
    item->valuestring = copy;
  }
  for (cJSON* child = item->child; child != nullptr; child = child->next) {
    if (!attach_number_texts(child, tokens)) return false;
  }
  return true;
}

void name_member(const cJSON* member, JsonRefusal* refusal) {
  if (refusal == nullptr) return;
  refusal->repeated_member = true;
  const std::size_t n = std::strlen(member->string);
  if (n >= sizeof refusal->member) return;
  for (std::size_t i = 0; i < n; ++i) {
    if (member->string[i] < 0x20 || member->string[i] > 0x7e) return;
  }
  std::memcpy(refusal->member, member->string, n + 1);
}

// text is a JSON number. True when cJSON prints it with the value it was written with: cJSON
// prints 15 significant digits when they read back within a relative epsilon, so a number of at
// most 15 significant digits in the normal range of a double comes back as written (DBL_DIG),
// and anything longer may come back as another value (9007199254740993 as 9.00719925474099e+15).
bool exactly_held(std::string_view text) {
  std::size_t i = text[0] == '-' ? 1 : 0;
  int integer_digits = 0;  // before the decimal point
  int position = 0;        // digits read so far
  int first = -1;          // position of the first non-zero digit
  int last = -1;           // position of the last non-zero digit
  bool fraction = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      fraction = true;
      continue;
    }
    if (!fraction) ++integer_digits;
    if (text[i] != '0') {
      if (first < 0) first = position;
      last = position;
    }
    ++position;
  }
  if (first < 0) return true;  // zero, however it is written
  long exponent = 0;
  if (i < text.size()) {
    std::size_t j = i + 1;
    const bool negative = text[j] == '-';
    if (text[j] == '-' || text[j] == '+') ++j;
    for (; j < text.size(); ++j) {
      if (exponent < 100000) exponent = exponent * 10 + (text[j] - '0');
    }
    if (negative) exponent = -exponent;
  }
  const long leading =
      exponent + integer_digits - 1 - first;  // decimal exponent of the first digit
  return last - first + 1 <= 15 && leading >= -307 && leading <= 307;
}

}  // namespace

cJSON* parse_json_document(std::string_view text, JsonRefusal* refusal, RepeatedMembers repeated) {
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return refuse(nul, refusal);
  }
  if (const auto escaped = text.find("\\u0000"); escaped != std::string_view::npos) {
    return refuse(escaped, refusal);
  }
  const char* end = nullptr;
  cJSON* root = cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false);
  if (root == nullptr) {
    const char* at = cJSON_GetErrorPtr();
    return refuse(at != nullptr && at >= text.data() ? at - text.data() : 0, refusal);
  }
  std::size_t rest = end - text.data();
  while (rest < text.size() && json_space(text[rest])) ++rest;
  if (rest < text.size()) {
    cJSON_Delete(root);
    return refuse(rest, refusal);
  }
  if (repeated == RepeatedMembers::refuse) {
    if (const cJSON* member = find_repeated_member(root); member != nullptr) {
      name_member(member, refusal);
      cJSON_Delete(root);
      return refuse(0, refusal);
    }
  }
  NumberTokens tokens(text);
  if (!attach_number_texts(root, tokens)) {
    cJSON_Delete(root);
    return refuse(text.size(), refusal);
  }
  return root;
}

const cJSON* find_repeated_member(const cJSON* item, bool nested) {
  for (const cJSON* child = item->child; child != nullptr; child = child->next) {
    if (cJSON_IsObject(item)) {
      for (const cJSON* earlier = item->child; earlier != child; earlier = earlier->next) {
        if (std::strcmp(earlier->string, child->string) == 0) return child;
      }
    }
    if (!nested) continue;
    if (const cJSON* below = find_repeated_member(child); below != nullptr) return below;
  }
  return nullptr;
}

port::Result<int64_t> exact_integer(const cJSON* item) {
  if (!cJSON_IsNumber(item) || item->valuestring == nullptr) return port::Status::invalid();
  const std::string_view text(item->valuestring);
  const bool negative = !text.empty() && text[0] == '-';
  if (text.size() == (negative ? 1u : 0u)) return port::Status::invalid();
  uint64_t magnitude = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return port::Status::invalid();
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (magnitude > (limit - digit) / 10) return port::Status::too_large();
    magnitude = magnitude * 10 + digit;
  }
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

const cJSON* find_inexact_number(const cJSON* item) {
  if (cJSON_IsNumber(item) && (item->valuestring == nullptr || !exactly_held(item->valuestring))) {
    return item;
  }
  for (const cJSON* child = item->child; child != nullptr; child = child->next) {
    if (const cJSON* found = find_inexact_number(child); found != nullptr) return found;
  }
  return nullptr;
}

}  // namespace door::protocol
