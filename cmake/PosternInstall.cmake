# Installs the files that belong to no single binary: the config (as a conffile), the example
# config and shared data, and the man pages in docs/man/.
include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/etc/postern.conf.example
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/postern RENAME postern.conf)
install(FILES ${PROJECT_SOURCE_DIR}/etc/postern.conf.example DESTINATION ${CMAKE_INSTALL_DATADIR}/postern)
file(GLOB _shared_data ${PROJECT_SOURCE_DIR}/etc/*.txt)
if(_shared_data)
  install(FILES ${_shared_data} DESTINATION ${CMAKE_INSTALL_DATADIR}/postern)
endif()
file(GLOB _man8 ${PROJECT_SOURCE_DIR}/docs/man/*.8)
if(_man8)
  install(FILES ${_man8} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
endif()
