# Every dependency comes from a Debian 12 package (see tools/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
# toml++ (libtomlplusplus-dev) is compiled header-only into common/config/parse.cpp, with our flags
# (sanitizers, fuzzer coverage); the package's shared library is not linked.
find_path(TOMLPLUSPLUS_INCLUDE_DIR toml++/toml.h REQUIRED)
pkg_check_modules(LDNS REQUIRED IMPORTED_TARGET ldns)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(MILTER REQUIRED IMPORTED_TARGET milter)
pkg_check_modules(OPENDKIM REQUIRED IMPORTED_TARGET opendkim)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBCRYPT REQUIRED IMPORTED_TARGET libcrypt)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
# DMARC aggregate reports (posternctl dmarc report): gzip and the reader's XML parser.
find_package(ZLIB REQUIRED)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
if(POSTERN_TESTS)
  find_package(GTest REQUIRED)
endif()
