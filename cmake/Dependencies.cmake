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
