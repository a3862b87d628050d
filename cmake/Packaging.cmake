# Debian packages (cpack -G DEB, or the "package" target): door-agent for the boards and
# door-scheduler for the operator, for the architecture the build targets (amd64, arm64, armhf), and
# door-broker (architecture all) for the broker host. tests/deploy/check-packages.sh checks them,
# lintian included.
# A fuzzing build makes no packages.
if(DOOR_FUZZ)
  return()
endif()
include(GNUInstallDirs)

set(door_debian ${PROJECT_SOURCE_DIR}/deploy/debian)
set(door_generated ${CMAKE_CURRENT_BINARY_DIR}/debian)

# Man pages from each program's own --help text (cmake/help-to-man.py), so they cannot differ. A
# cross build runs its programs under qemu-user.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
# They are made in build/debian/man, a MANPATH for systemd-analyze verify (Documentation=).
function(door_man_page target name section summary)
  set(page ${door_generated}/man/man${section}/${name}.${section})
  file(MAKE_DIRECTORY ${door_generated}/man/man${section})
  add_custom_command(
    OUTPUT ${page}.gz
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/help-to-man.py ${page} ${name}
            ${section} ${summary} ${PROJECT_VERSION} -- ${ARGN}
    COMMAND gzip -n -9 -f ${page}
    DEPENDS ${PROJECT_SOURCE_DIR}/cmake/help-to-man.py ${target}
    VERBATIM)
  add_custom_target(${name}-man ALL DEPENDS ${page}.gz)
endfunction()
door_man_page(door-agent door-agent 8 "door controller agent for Azure IoT Hub or an MQTT broker"
              ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:door-agent> --help)
door_man_page(door-scheduler door-scheduler 1 "schedules door jobs across a fleet"
              ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:door-scheduler> --help)
door_man_page(${PROJECT_SOURCE_DIR}/deploy/broker/door-fleet door-fleet 8
              "certificate authority, enrollment and revocation for a door fleet's broker"
              ${PROJECT_SOURCE_DIR}/deploy/broker/door-fleet --help)

# The changelog, gzipped as Debian policy wants it (a native package: changelog.gz).
add_custom_command(
  OUTPUT ${door_generated}/changelog.gz
  COMMAND gzip -n -9 -c ${door_debian}/changelog > ${door_generated}/changelog.gz
  DEPENDS ${door_debian}/changelog)
add_custom_target(door-changelog ALL DEPENDS ${door_generated}/changelog.gz)

foreach(component agent scheduler broker)
  set(package door-${component})
  install(FILES ${door_debian}/copyright ${door_generated}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

# door-agent
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/door-agent.service
        DESTINATION lib/systemd/system COMPONENT agent)
install(FILES ${door_debian}/door-agent.sysusers
        DESTINATION lib/sysusers.d RENAME door-agent.conf COMPONENT agent)
# mbedtls' static archives are linked in (DOOR_MBEDTLS_STATIC); with the shared libraries there is
# nothing to override.
if(DOOR_MBEDTLS_STATIC)
  install(FILES ${door_debian}/door-agent.lintian-overrides
          DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME door-agent COMPONENT agent)
endif()
# The example config becomes the installed config (it holds no secret yet; postinst makes it
# root:door-agent 0640 before one is put in).
install(FILES ${PROJECT_SOURCE_DIR}/deploy/door-agent.example.json
        DESTINATION /etc/door-agent RENAME config.json COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/door-agent.example.json
              ${PROJECT_SOURCE_DIR}/deploy/door-agent.azure.example.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/door-agent/examples COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/docs/fleet-setup.md ${PROJECT_SOURCE_DIR}/docs/deployment.md
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/raspberry-pi.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/door-agent COMPONENT agent)
install(FILES ${door_generated}/man/man8/door-agent.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT agent)

# door-scheduler
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/door-scheduler.service
        DESTINATION lib/systemd/system COMPONENT scheduler)
install(FILES ${door_debian}/door-scheduler.sysusers
        DESTINATION lib/sysusers.d RENAME door-scheduler.conf COMPONENT scheduler)
install(FILES ${door_debian}/door-scheduler.default DESTINATION /etc/default
        RENAME door-scheduler COMPONENT scheduler)
install(FILES ${door_generated}/man/man1/door-scheduler.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT scheduler)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/bash-completion/door-scheduler
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT scheduler)

# door-broker
install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/broker/door-fleet DESTINATION ${CMAKE_INSTALL_SBINDIR}
        COMPONENT broker)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/mosquitto/door-acl.conf
              ${PROJECT_SOURCE_DIR}/deploy/mosquitto/door-broker.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/door-broker COMPONENT broker)
install(FILES ${door_generated}/man/man8/door-fleet.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT broker)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(door_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(door_deb_arch armhf)
else()
  set(door_deb_arch amd64)
endif()

# dpkg wants maintainer scripts named exactly postinst, prerm, postrm.
foreach(component agent scheduler)
  set(PACKAGE door-${component})
  set(UNIT door-${component}.service)
  configure_file(${door_debian}/service-prerm ${door_generated}/${component}/prerm @ONLY)
  configure_file(${door_debian}/service-postrm ${door_generated}/${component}/postrm @ONLY)
  configure_file(${door_debian}/${component}-postinst ${door_generated}/${component}/postinst
                 @ONLY)
  configure_file(${door_debian}/${component}-conffiles ${door_generated}/${component}/conffiles
                 COPYONLY)
endforeach()
# dpkg-shlibdeps picks the target's objdump and library folders by DEB_HOST_ARCH.
configure_file(${PROJECT_SOURCE_DIR}/cmake/CPackProjectConfig.cmake.in
               ${door_generated}/CPackProjectConfig.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${door_generated}/CPackProjectConfig.cmake)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent scheduler broker)
set(CPACK_PACKAGE_VENDOR "door-agent")
set(CPACK_PACKAGE_CONTACT
    "Door agent maintainers <maintainers@users.noreply.b-seed-ac0c7c7f.example>")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${door_deb_arch})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME door-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "systemd")
set(CPACK_COMPONENT_AGENT_DESCRIPTION
    "door controller agent for Azure IoT Hub or an MQTT broker
door-agent runs on a small Linux board (Raspberry Pi class) wired to a door's
lock actuator, lock feedback and door contact through GPIO. It answers the
lockDoor, unlockDoor and getDoorState direct methods and applies desired
properties from Azure IoT Hub or an MQTT broker over TLS, and keeps the door
in its configured safe state whatever the network does.")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    ${door_generated}/agent/postinst ${door_generated}/agent/prerm ${door_generated}/agent/postrm
    ${door_generated}/agent/conffiles)

set(CPACK_DEBIAN_SCHEDULER_PACKAGE_NAME door-scheduler)
set(CPACK_COMPONENT_SCHEDULER_DESCRIPTION
    "schedules lock and settings jobs across a fleet of door agents
door-scheduler runs direct-method and desired-property jobs over a fleet of
door agents on an MQTT broker (or creates them as Azure IoT Hub jobs): at a
time, on a schedule, at a rate, with each device's result kept in SQLite.")
set(CPACK_DEBIAN_SCHEDULER_PACKAGE_CONTROL_EXTRA
    ${door_generated}/scheduler/postinst ${door_generated}/scheduler/prerm
    ${door_generated}/scheduler/postrm ${door_generated}/scheduler/conffiles)

set(CPACK_DEBIAN_BROKER_PACKAGE_NAME door-broker)
set(CPACK_DEBIAN_BROKER_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_BROKER_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_BROKER_PACKAGE_DEPENDS "mosquitto, openssl")
set(CPACK_DEBIAN_BROKER_PACKAGE_RECOMMENDS "mosquitto-clients")
set(CPACK_COMPONENT_BROKER_DESCRIPTION
    "Mosquitto set-up for a fleet of door agents
door-broker holds door-fleet, which makes a door fleet's certificate
authority and the broker's server certificate, installs a Mosquitto conf.d
snippet (TLS with client certificates or passwords, a device-scoped ACL),
enrolls devices and the scheduler, and revokes devices through a CRL.")
include(CPack)
