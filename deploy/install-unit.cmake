# Run by `cmake --install` (see CMakeLists.txt): installs the systemd unit
# with ExecStart naming the binary where this install puts it.
# In: MAPWATCH_UNIT_SOURCE, MAPWATCH_UNIT_STAGING, MAPWATCH_UNIT_DIR,
# MAPWATCH_BINDIR, and CMAKE_INSTALL_PREFIX as given to this install.
set(source_binary "/usr/local/bin/mapwatch")

if(IS_ABSOLUTE "${MAPWATCH_BINDIR}")
	set(binary "${MAPWATCH_BINDIR}/mapwatch")
else()
	set(binary "${CMAKE_INSTALL_PREFIX}/${MAPWATCH_BINDIR}/mapwatch")
endif()
if(IS_ABSOLUTE "${MAPWATCH_UNIT_DIR}")
	set(unit_dir "${MAPWATCH_UNIT_DIR}")
else()
	set(unit_dir "${CMAKE_INSTALL_PREFIX}/${MAPWATCH_UNIT_DIR}")
endif()

file(READ "${MAPWATCH_UNIT_SOURCE}" unit)
string(FIND "${unit}" "ExecStart=${source_binary} " at)
if(at EQUAL -1)
	message(FATAL_ERROR "${MAPWATCH_UNIT_SOURCE}: ExecStart does not start with ${source_binary}")
endif()
string(REPLACE "ExecStart=${source_binary} " "ExecStart=${binary} " unit "${unit}")
file(WRITE "${MAPWATCH_UNIT_STAGING}/mapwatch.service" "${unit}")
# file(INSTALL) adds DESTDIR, prints the line and records the file in
# install_manifest.txt, as install(FILES) would.
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
	FILES "${MAPWATCH_UNIT_STAGING}/mapwatch.service")
