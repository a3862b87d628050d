# Every third-party dependency comes from Debian packages (native or multiarch).
find_package(Threads REQUIRED)
# Paho's package config refers to OpenSSL's imported targets, so OpenSSL must be found first.
find_package(OpenSSL REQUIRED)
find_package(eclipse-paho-mqtt-c REQUIRED)
find_package(cJSON REQUIRED)
find_package(SQLite3 REQUIRED)
# The scheduler's IoT Hub backend (the service REST API).
find_package(CURL REQUIRED)
if(DOOR_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# mbedtls (Debian's libmbedtls-dev 2.28 has no CMake package): TLS and the device-side crypto of
# the agent. The three libraries in link order: TLS needs X.509, which needs the crypto. Their
# static archives by default, as the C++ runtime is linked in: the agent maps only the objects it
# uses and no relocated copy of three shared libraries (bench/RESULTS.md has both figures), and the
# allocation test's --wrap of calloc sees mbedtls' own allocations.
option(DOOR_MBEDTLS_STATIC "link mbedtls' static archives instead of its shared libraries" ON)
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h REQUIRED)
if(DOOR_MBEDTLS_STATIC)
  set(door_mbedtls_names libmbedtls.a libmbedx509.a libmbedcrypto.a)
else()
  set(door_mbedtls_names mbedtls mbedx509 mbedcrypto)
endif()
set(door_mbedtls_libraries)
foreach(name IN LISTS door_mbedtls_names)
  string(MAKE_C_IDENTIFIER "MBEDTLS_${name}_LIBRARY" variable)
  find_library(${variable} NAMES ${name} REQUIRED)
  list(APPEND door_mbedtls_libraries ${${variable}})
endforeach()
add_library(mbedtls INTERFACE)
target_include_directories(mbedtls SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(mbedtls INTERFACE ${door_mbedtls_libraries})
