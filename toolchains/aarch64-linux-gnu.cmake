set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(DOOR_TRIPLE aarch64-linux-gnu)
set(DOOR_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/multiarch.cmake)
