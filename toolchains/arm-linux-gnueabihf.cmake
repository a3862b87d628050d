set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(DOOR_TRIPLE arm-linux-gnueabihf)
set(DOOR_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/multiarch.cmake)
