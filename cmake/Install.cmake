# What `cmake --install` puts in place, and the Debian package CPack builds from it:
#   bin/mtasts, the man pages mtasts(1), mtasts-resolver(8), mtasts.toml(5) (generated at build
#   time from docs/man/*.scd with scdoc), bash completion, the systemd unit (generated from
#   dist/mtasts-resolver.service.in with this prefix's paths), the sample configuration
#   (/etc/mtasts/mtasts.toml for the /usr prefix) and the documentation.
include(GNUInstallDirs)

find_program(SCDOC_EXECUTABLE scdoc REQUIRED)
set(MTASTS_MAN_PAGES mtasts.1 mtasts-resolver.8 mtasts.toml.5)
set(man_outputs)
find_program(GZIP_EXECUTABLE gzip REQUIRED)
foreach(page IN LISTS MTASTS_MAN_PAGES)
  set(roff ${PROJECT_BINARY_DIR}/man/${page})
  set(output ${roff}.gz)
  # Compressed reproducibly (-n: no name, no time stamp), as Debian installs man pages.
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${SCDOC_EXECUTABLE} < ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd > ${roff}
    COMMAND ${GZIP_EXECUTABLE} -9nf ${roff}
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd
    COMMENT "Generating the man page ${page}"
    VERBATIM)
  list(APPEND man_outputs ${output})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${output} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${man_outputs})

set(MTASTS_BINARY ${CMAKE_INSTALL_FULL_BINDIR}/mtasts)
set(MTASTS_CONFIG ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mtasts/mtasts.toml)
set(MTASTS_DOCDIR ${CMAKE_INSTALL_FULL_DOCDIR})
configure_file(dist/mtasts-resolver.service.in ${PROJECT_BINARY_DIR}/dist/mtasts-resolver.service
               @ONLY)

install(TARGETS mtasts RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES dist/completion/mtasts.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME mtasts)
install(FILES ${PROJECT_BINARY_DIR}/dist/mtasts-resolver.service
        DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
install(FILES dist/mtasts.toml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mtasts)
install(FILES README.md docs/CLI.md docs/CODES.md docs/RESOLVER.md docs/ARCHITECTURE.md
              dist/postfix-main.cf
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# --- Debian package: cpack -G DEB in the build tree (configured with the release preset)
set(CPACK_PACKAGE_NAME mtasts)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "MTA-STS (RFC 8461) and SMTP TLS Reporting (RFC 8460) toolkit and Postfix policy daemon")
set(CPACK_PACKAGE_DESCRIPTION
    "mtasts lints and generates MTA-STS policies and records, reads TLSRPT reports, checks a live domain as an RFC 8461 sender sees it, and runs the policy resolver Postfix queries over socketmap.")
set(CPACK_PACKAGE_CONTACT "mtasts maintainers <mtasts@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries from dpkg-shlibdeps; the DNSSEC root trust anchor by name.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "dns-root-data")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postfix")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/dist/debian/conffiles
                                       ${PROJECT_SOURCE_DIR}/dist/debian/postinst
                                       ${PROJECT_SOURCE_DIR}/dist/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
