# Every third-party dependency comes from Debian packages (native or multiarch).
find_package(Threads REQUIRED)
# Paho's package config refers to OpenSSL's imported targets, so OpenSSL must be found first.
find_package(OpenSSL REQUIRED)
find_package(eclipse-paho-mqtt-c REQUIRED)
find_package(cJSON REQUIRED)
find_package(SQLite3 REQUIRED)
if(DOOR_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# mbedtls (Debian's libmbedtls-dev 2.28 has no CMake package): TLS and the device-side crypto of
# the agent. The three libraries in link order: TLS needs X.509, which needs the crypto.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h REQUIRED)
find_library(MBEDTLS_TLS_LIBRARY mbedtls REQUIRED)
find_library(MBEDTLS_X509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDTLS_CRYPTO_LIBRARY mbedcrypto REQUIRED)
add_library(mbedtls INTERFACE)
target_include_directories(mbedtls SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(mbedtls INTERFACE ${MBEDTLS_TLS_LIBRARY} ${MBEDTLS_X509_LIBRARY}
                                        ${MBEDTLS_CRYPTO_LIBRARY})
