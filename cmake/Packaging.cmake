# Debian packages (cpack -G DEB, or the "package" target): door-agent for the boards and
# door-scheduler for the host, for the architecture the build targets (amd64, arm64, armhf).
include(GNUInstallDirs)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/door-agent.service
        DESTINATION lib/systemd/system COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/door-agent.sysusers
        DESTINATION lib/sysusers.d RENAME door-agent.conf COMPONENT agent)
# The example config becomes the installed config; it holds a secret once filled in.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/door-agent.example.json
        DESTINATION /etc/door-agent RENAME config.json
        PERMISSIONS OWNER_READ OWNER_WRITE COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/door-agent.example.json
              ${PROJECT_SOURCE_DIR}/deploy/door-agent.azure.example.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/door-agent/examples COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/mosquitto/door-acl.conf
              ${PROJECT_SOURCE_DIR}/deploy/mosquitto/door-broker.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/door-agent/mosquitto COMPONENT agent)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(door_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(door_deb_arch armhf)
else()
  set(door_deb_arch amd64)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent scheduler)
set(CPACK_PACKAGE_VENDOR "door-agent")
set(CPACK_PACKAGE_CONTACT "door-agent maintainers <door-agent@localhost>")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${door_deb_arch})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_AGENT_PACKAGE_NAME door-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "libpaho-mqtt1.3, libcjson1, libssl3")
set(CPACK_DEBIAN_AGENT_DESCRIPTION
    "Door controller agent: locks a door through GPIO on commands from Azure IoT Hub or an MQTT broker")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_BINARY_DIR}/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_SCHEDULER_PACKAGE_NAME door-scheduler)
set(CPACK_DEBIAN_SCHEDULER_PACKAGE_DEPENDS
    "libpaho-mqtt1.3, libcjson1, libssl3, libsqlite3-0, libstdc++6")
set(CPACK_DEBIAN_SCHEDULER_DESCRIPTION
    "Schedules lock and settings jobs across a fleet of door agents on an MQTT broker")
# dpkg wants maintainer scripts named exactly postinst.
configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/agent-postinst
               ${CMAKE_CURRENT_BINARY_DIR}/debian/postinst COPYONLY)
include(CPack)
