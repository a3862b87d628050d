# Shared part of the cross toolchains: Debian multiarch, no sysroot. The target's libraries live in
# /usr/lib/<triple> (installed as libfoo-dev:<arch>), headers in /usr/include and
# /usr/include/<triple>. Tests run under qemu-user, which finds the target's loader through multiarch.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${DOOR_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${DOOR_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${DOOR_TRIPLE})
set(CMAKE_CROSSCOMPILING_EMULATOR ${DOOR_QEMU})
# pkg-config (used by FindOpenSSL) must read the target's .pc files, not the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${DOOR_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
