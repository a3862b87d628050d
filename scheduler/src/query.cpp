#include "scheduler/query.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace door::scheduler {

namespace {

bool same_word(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '-';
}

}  // namespace

// Recursive descent over the text; every node goes into the query's node list.
class Query::Parser {
 public:
  Parser(std::string_view text, Query& query, std::string& error)
      : text_(text), query_(query), error_(error) {}

  bool run() {
    skip_space();
    int root = -1;
    if (word("SELECT")) {
      if (!expect("*") || !expect_word("FROM") || !expect_word("devices")) return false;
      if (at_end()) {
        root = add(Node{});  // every device
      } else if (!expect_word("WHERE") || (root = condition()) < 0) {
        return false;
      }
    } else if ((root = condition()) < 0) {
      return false;
    }
    if (!at_end()) return fail("unexpected text");
    query_.root_ = root;
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;  // parentheses and NOTs, so hostile input cannot overflow

  int condition() {
    if (++depth_ > kMaxDepth) return fail("nested too deeply"), -1;
    int left = conjunction();
    while (left >= 0 && word("OR")) left = join(Kind::or_, left, conjunction());
    --depth_;
    return left;
  }

  int conjunction() {
    int left = negation();
    while (left >= 0 && word("AND")) left = join(Kind::and_, left, negation());
    return left;
  }

  int negation() {
    if (word("NOT")) {
      if (++depth_ > kMaxDepth) return fail("nested too deeply"), -1;
      const int inner = negation();
      --depth_;
      return inner < 0 ? -1 : join(Kind::not_, inner, -1);
    }
    return primary();
  }

  int primary() {
    if (symbol("(")) {
      const int inner = condition();
      if (inner < 0 || !expect(")")) return -1;
      return inner;
    }
    if (word("is_defined")) {
      Node n;
      n.kind = Kind::defined;
      if (!expect("(") || !path(n.path) || !expect(")")) return -1;
      return add(std::move(n));
    }
    Node n;
    if (!path(n.path)) return -1;
    if (word("IN") || word("NIN")) {
      n.kind = same_word(last_word_, "IN") ? Kind::in : Kind::not_in;
      if (!expect("[")) return -1;
      do {
        Literal l;
        if (!literal(l)) return -1;
        n.literals.push_back(std::move(l));
      } while (symbol(","));
      if (!expect("]")) return -1;
      return add(std::move(n));
    }
    n.kind = Kind::compare;
    if (symbol("<="))
      n.op = Op::le;
    else if (symbol(">="))
      n.op = Op::ge;
    else if (symbol("!=") || symbol("<>"))
      n.op = Op::ne;
    else if (symbol("="))
      n.op = Op::eq;
    else if (symbol("<"))
      n.op = Op::lt;
    else if (symbol(">"))
      n.op = Op::gt;
    else
      return fail("expected a comparison (= != < > <= >=), IN or NIN"), -1;
    Literal l;
    if (!literal(l)) return -1;
    n.literals.push_back(std::move(l));
    return add(std::move(n));
  }

  bool path(std::vector<std::string>& out) {
    const std::size_t name_start = pos_;
    do {
      const std::size_t start = pos_;
      if (at_end() || !ident_start(text_[pos_]))
        return fail("expected a name such as deviceId or properties.reported.floor");
      while (pos_ < text_.size() && ident_char(text_[pos_])) ++pos_;
      out.emplace_back(text_.substr(start, pos_ - start));
    } while (pos_ < text_.size() && text_[pos_] == '.' && ++pos_);
    skip_space();
    const std::string& head = out.front();
    const bool known = (head == "deviceId" && out.size() == 1) ||
                       (head == "properties" && out.size() >= 3 &&
                        (out[1] == "reported" || out[1] == "desired")) ||
                       (head == "status" && out.size() >= 2);
    if (!known) {
      pos_ = name_start;  // point at the name, not past it
      return fail("unknown name '" + join_path(out) +
                  "' (use deviceId, properties.reported.<key>, properties.desired.<key> or "
                  "status.<key>)");
    }
    return true;
  }

  bool literal(Literal& l) {
    if (!at_end() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      const char quote = text_[pos_++];
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != quote) ++pos_;
      if (at_end()) return fail("unterminated string");
      l.type = Literal::Type::string;
      l.text = std::string(text_.substr(start, pos_ - start));
      ++pos_;
      skip_space();
      return true;
    }
    if (word("true") || word("false")) {
      l.type = Literal::Type::boolean;
      l.boolean = same_word(last_word_, "true");
      return true;
    }
    if (word("null")) {
      l.type = Literal::Type::null;
      return true;
    }
    const std::string rest(text_.substr(pos_, 64));
    char* end = nullptr;
    l.number = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str() || !std::isfinite(l.number)) {
      return fail("expected a value: 'text', a number, true, false or null");
    }
    l.type = Literal::Type::number;
    pos_ += static_cast<std::size_t>(end - rest.c_str());
    skip_space();
    return true;
  }

  // --- tokens ---
  bool at_end() const { return pos_ >= text_.size(); }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool symbol(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    skip_space();
    return true;
  }
  bool word(std::string_view w) {
    const std::string_view here = text_.substr(pos_, w.size());
    if (!same_word(here, w)) return false;
    if (pos_ + w.size() < text_.size() && ident_char(text_[pos_ + w.size()])) return false;
    last_word_ = here;
    pos_ += w.size();
    skip_space();
    return true;
  }
  bool expect(std::string_view s) { return symbol(s) || fail("expected '" + std::string(s) + "'"); }
  bool expect_word(std::string_view w) { return word(w) || fail("expected " + std::string(w)); }
  bool fail(const std::string& what) {
    if (error_.empty()) error_ = "query: " + what + " at character " + std::to_string(pos_ + 1);
    return false;
  }
  static std::string join_path(const std::vector<std::string>& path) {
    std::string s;
    for (const auto& p : path) s += (s.empty() ? "" : ".") + p;
    return s;
  }

  int add(Node n) {
    query_.nodes_.push_back(std::move(n));
    return static_cast<int>(query_.nodes_.size() - 1);
  }
  int join(Kind kind, int left, int right) {
    if (left < 0 || (kind != Kind::not_ && right < 0)) return -1;
    Node n;
    n.kind = kind;
    n.left = left;
    n.right = right;
    return add(std::move(n));
  }

  std::string_view text_;
  Query& query_;
  std::string& error_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string_view last_word_;
};

bool Query::parse(std::string_view text, std::string& error) {
  nodes_.clear();
  root_ = -1;
  error.clear();
  Parser parser(text, *this, error);
  if (parser.run()) return true;
  if (error.empty()) error = "query: not understood";
  nodes_.clear();
  return false;
}

bool Query::matches(const DeviceView& device) const {
  return root_ >= 0 && eval(root_, device);
}

const cJSON* Query::resolve(const std::vector<std::string>& path, const DeviceView& device,
                            cJSON& scratch) {
  if (path.front() == "deviceId") {
    scratch = cJSON{};
    scratch.type = cJSON_String;
    scratch.valuestring = const_cast<char*>(device.device_id.c_str());
    return &scratch;
  }
  std::size_t first = 1;
  const cJSON* node = device.status;
  if (path.front() == "properties") {
    node = path[1] == "reported" ? device.reported : device.desired;
    first = 2;
  }
  for (std::size_t i = first; i < path.size() && node != nullptr; ++i) {
    node = cJSON_GetObjectItemCaseSensitive(node, path[i].c_str());
  }
  // An IoT Plug and Play acknowledgement compares by the value it acknowledges.
  if (cJSON_IsObject(node) && cJSON_GetObjectItemCaseSensitive(node, "ac") != nullptr) {
    node = cJSON_GetObjectItemCaseSensitive(node, "value");
  }
  return node;
}

bool Query::compare(const cJSON* value, Op op, const Literal& literal) {
  if (value == nullptr) return false;
  int order = 0;  // value <=> literal, when comparable
  switch (literal.type) {
    case Literal::Type::string:
      if (!cJSON_IsString(value)) return op == Op::ne;
      order = std::strcmp(value->valuestring, literal.text.c_str());
      break;
    case Literal::Type::number:
      if (!cJSON_IsNumber(value)) return op == Op::ne;
      order = value->valuedouble < literal.number   ? -1
              : value->valuedouble > literal.number ? 1
                                                    : 0;
      break;
    case Literal::Type::boolean:
      if (!cJSON_IsBool(value)) return op == Op::ne;
      order = cJSON_IsTrue(value) == literal.boolean ? 0 : 1;
      if (op != Op::eq && op != Op::ne) return false;
      break;
    case Literal::Type::null:
      order = cJSON_IsNull(value) ? 0 : 1;
      if (op != Op::eq && op != Op::ne) return false;
      break;
  }
  switch (op) {
    case Op::eq: return order == 0;
    case Op::ne: return order != 0;
    case Op::lt: return order < 0;
    case Op::gt: return order > 0;
    case Op::le: return order <= 0;
    case Op::ge: return order >= 0;
  }
  return false;
}

bool Query::eval(int index, const DeviceView& device) const {
  const Node& n = nodes_[static_cast<std::size_t>(index)];
  cJSON scratch;
  switch (n.kind) {
    case Kind::all: return true;
    case Kind::and_: return eval(n.left, device) && eval(n.right, device);
    case Kind::or_: return eval(n.left, device) || eval(n.right, device);
    case Kind::not_: return !eval(n.left, device);
    case Kind::defined: return resolve(n.path, device, scratch) != nullptr;
    case Kind::compare: return compare(resolve(n.path, device, scratch), n.op, n.literals[0]);
    case Kind::in:
    case Kind::not_in: {
      const cJSON* value = resolve(n.path, device, scratch);
      if (value == nullptr) return false;
      bool found = false;
      for (const Literal& l : n.literals) found = found || compare(value, Op::eq, l);
      return n.kind == Kind::in ? found : !found;
    }
  }
  return false;
}

}  // namespace door::scheduler
