#pragma once
// The subset of the IoT Hub query language that selects devices for a job:
//   SELECT * FROM devices WHERE <condition>      (or the condition alone)
//   deviceId = 'door-1'   deviceId IN ['a','b']   deviceId NIN ['c']
//   properties.reported.floor >= 3   properties.desired.building = 43   status.online = true
//   is_defined(properties.reported.floor)
//   AND, OR, NOT, parentheses; = != <> < > <= >=; literals 'text', numbers, true, false, null.
// A path that does not exist makes its comparison false. A reported property that the device
// acknowledged in IoT Plug and Play form ({"value":..,"ac":..}) compares by its value.
#include <cjson/cJSON.h>

#include <string>
#include <string_view>
#include <vector>

namespace door::scheduler {

// What a query sees of one device.
struct DeviceView {
  std::string device_id;
  const cJSON* reported = nullptr;  // the reported document, or null
  const cJSON* desired = nullptr;   // the desired document, or null
  const cJSON* status = nullptr;    // the status document ({"online":...}), or null
};

class Query {
 public:
  // On failure returns false with a one-line reason naming where the text went wrong.
  bool parse(std::string_view text, std::string& error);
  bool matches(const DeviceView& device) const;

 private:
  enum class Kind { all, and_, or_, not_, compare, in, not_in, defined };
  enum class Op { eq, ne, lt, gt, le, ge };
  struct Literal {
    enum class Type { string, number, boolean, null } type = Type::null;
    std::string text;
    double number = 0;
    bool boolean = false;
  };
  struct Node {
    Kind kind = Kind::all;
    int left = -1;  // children, for and_, or_, not_
    int right = -1;
    std::vector<std::string> path;  // compare, in, not_in, defined
    Op op = Op::eq;
    std::vector<Literal> literals;
  };
  class Parser;

  bool eval(int node, const DeviceView& device) const;
  static bool compare(const cJSON* value, Op op, const Literal& literal);
  static const cJSON* resolve(const std::vector<std::string>& path, const DeviceView& device,
                              cJSON& scratch);

  std::vector<Node> nodes_;
  int root_ = -1;
};

}  // namespace door::scheduler
