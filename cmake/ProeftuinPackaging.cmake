# Packaging: `cpack -G DEB` in the build directory writes proeftuin_<version>_<arch>.deb
# (docs/OPERATIONS.md, "Install"). Included from the top-level CMakeLists.txt except in
# test-only (sanitizer) builds.
#
# The package holds:
#   /usr/bin/proeftuind, /usr/bin/proeftuin            the server and the CLI (stripped)
#   /usr/lib/systemd/system/proeftuind.service, proeftuin-backup.{service,timer}
#   /usr/lib/proeftuin/proeftuin-backup                 the backup script (ops/backup.sh)
#   /usr/sbin/proeftuin-restore                         the restore script (ops/restore.sh)
#   /etc/proeftuin/proeftuind.env, backup.env           conffiles, every option commented
#   /usr/share/man/man8/proeftuind.8.gz, man1/proeftuin.1.gz   generated from --help
#   /usr/share/doc/proeftuin/                           runbook, CLI guide, examples, alert rules
# Maintainer scripts (ops/debian/): postinst creates the system user proeftuin and
# /var/backups/proeftuin, enables and starts the units; remove and purge keep the store.
if(NOT TARGET proeftuind)
  return()
endif()

set(_pt_ops "${PROJECT_SOURCE_DIR}/ops")
set(_pt_man "${PROJECT_BINARY_DIR}/man")
set(_pt_doc "share/doc/proeftuin")

install(TARGETS proeftuind RUNTIME DESTINATION bin)
set(_pt_man_pages "${_pt_man}/proeftuind.8.gz")
add_custom_command(
  OUTPUT "${_pt_man}/proeftuind.8.gz"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${_pt_man}"
  COMMAND sh -c "\"$1\" \"$2\" proeftuind 8 \"the Proeftuin gRPC server and event store\" --help \"$3\" | gzip -9n > \"$4\""
          man "${_pt_ops}/man-from-help.sh" "$<TARGET_FILE:proeftuind>" "${PROJECT_VERSION}" "${_pt_man}/proeftuind.8.gz"
  DEPENDS proeftuind "${_pt_ops}/man-from-help.sh"
  COMMENT "Man page proeftuind(8) from --help"
  VERBATIM)
if(TARGET proeftuin)
  install(TARGETS proeftuin RUNTIME DESTINATION bin)
  list(APPEND _pt_man_pages "${_pt_man}/proeftuin.1.gz")
  add_custom_command(
    OUTPUT "${_pt_man}/proeftuin.1.gz"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${_pt_man}"
    COMMAND sh -c "\"$1\" \"$2\" proeftuin 1 \"the Proeftuin command-line client\" --help-all \"$3\" | gzip -9n > \"$4\""
            man "${_pt_ops}/man-from-help.sh" "$<TARGET_FILE:proeftuin>" "${PROJECT_VERSION}" "${_pt_man}/proeftuin.1.gz"
    DEPENDS proeftuin "${_pt_ops}/man-from-help.sh"
    COMMENT "Man page proeftuin(1) from --help-all"
    VERBATIM)
  install(FILES "${_pt_man}/proeftuin.1.gz" DESTINATION share/man/man1)
endif()
add_custom_target(proeftuin_man ALL DEPENDS ${_pt_man_pages})
install(FILES "${_pt_man}/proeftuind.8.gz" DESTINATION share/man/man8)

install(FILES "${_pt_ops}/proeftuind.service" "${_pt_ops}/proeftuin-backup.service"
              "${_pt_ops}/proeftuin-backup.timer"
        DESTINATION lib/systemd/system)
install(PROGRAMS "${_pt_ops}/backup.sh" DESTINATION lib/proeftuin RENAME proeftuin-backup)
install(PROGRAMS "${_pt_ops}/restore.sh" DESTINATION sbin RENAME proeftuin-restore)
install(FILES "${_pt_ops}/proeftuind.env.example" DESTINATION /etc/proeftuin RENAME proeftuind.env)
install(FILES "${_pt_ops}/backup.env.example" DESTINATION /etc/proeftuin RENAME backup.env)
install(FILES "${_pt_ops}/proeftuind.env.example" "${_pt_ops}/backup.env.example"
              "${_pt_ops}/prometheus-alerts.yml"
        DESTINATION "${_pt_doc}/examples")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md"
              "${PROJECT_SOURCE_DIR}/docs/CLI.md" "${PROJECT_SOURCE_DIR}/docs/FORMAT.md"
        DESTINATION "${_pt_doc}")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${_pt_doc}" RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME proeftuin)
set(CPACK_PACKAGE_VENDOR "Proeftuin")
set(CPACK_PACKAGE_CONTACT "Proeftuin maintainers <maintainers@proeftuin.invalid>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "experimentation programme for citizen participation: gRPC service with an audit-trail event store")
set(CPACK_PACKAGE_DESCRIPTION
    "Proeftuin runs a Dutch municipality's experimentation programme for citizen participation
(experimenteerprogramma inwonerparticipatie): experiments are proposed, selected by the college,
put to the council for wishes and objections, run and evaluated. Every step is an event in a
hash-chained RocksDB log, which is also the audit trail. This package holds the server
proeftuind (systemd unit, hourly backup timer), the command-line client proeftuin, and the
backup and restore scripts.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/proeftuin/proeftuin")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser for postinst; tzdata because times are shown in Europe/Amsterdam.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_pt_ops}/debian/postinst;${_pt_ops}/debian/prerm;${_pt_ops}/debian/postrm;${_pt_ops}/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
