#include "protocol/merge_patch.hpp"

namespace door::protocol {

cJSON* merge_patch(cJSON* target, const cJSON* patch) {
  if (!cJSON_IsObject(patch)) return cJSON_Duplicate(patch, true);
  cJSON* result = cJSON_IsObject(target) ? target : cJSON_CreateObject();
  if (result == nullptr) return nullptr;
  for (const cJSON* p = patch->child; p != nullptr; p = p->next) {
    if (cJSON_IsNull(p)) {
      cJSON_DeleteItemFromObjectCaseSensitive(result, p->string);
      continue;
    }
    cJSON* existing = cJSON_DetachItemFromObjectCaseSensitive(result, p->string);
    cJSON* merged = merge_patch(existing, p);
    if (merged != existing) cJSON_Delete(existing);
    if (merged == nullptr) return nullptr;
    cJSON_AddItemToObject(result, p->string, merged);
  }
  return result;
}

}  // namespace door::protocol
