# Warnings are errors for the project's own targets; call door_target_defaults() on each of them.
function(door_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Werror)
endfunction()

# 32-bit targets (armhf): 64-bit file offsets, so stat and readdir work on file systems with large
# inode numbers, and 64-bit time_t, so times past 2038 (token expiries, schedules) are right.
if(CMAKE_SIZEOF_VOID_P EQUAL 4)
  add_compile_definitions(_FILE_OFFSET_BITS=64 _TIME_BITS=64)
  # GCC's note that the ARM parameter-passing ABI changed in GCC 7.1 concerns code mixed across
  # compiler versions, not this build.
  add_compile_options(-Wno-psabi)
endif()

if(DOOR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

if(DOOR_FUZZ)
  # UBSan's findings abort, so libFuzzer keeps them as crashes instead of logging and going on.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# Size-optimised release: drop unused sections so the agent binary stays small on the boards.
if(CMAKE_BUILD_TYPE STREQUAL "MinSizeRel")
  add_compile_options(-ffunction-sections -fdata-sections)
  add_link_options(-Wl,--gc-sections -Wl,--as-needed)
endif()
