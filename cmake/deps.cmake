# The dependency rule of DESIGN.md section 3, checked on the target links.
# Each module lists the targets (ours and external) it may link; anything
# else in its LINK_LIBRARIES stops the configuration.
set(FF_ALLOWED_ff_common m PkgConfig::SODIUM Threads::Threads)
set(FF_ALLOWED_ff_workflow m ff_common)
set(FF_ALLOWED_ff_ingest m ff_common PkgConfig::JANSSON PkgConfig::YAJL PkgConfig::XML2 PkgConfig::ZLIB)
set(FF_ALLOWED_ff_db m ff_common ff_workflow PkgConfig::PQ PkgConfig::JANSSON)
set(FF_ALLOWED_ff_connectors m ff_common ff_workflow PkgConfig::CURL PkgConfig::JANSSON PkgConfig::YAJL PkgConfig::ZLIB)
set(FF_ALLOWED_ff_templates m ff_common PkgConfig::JANSSON)
set(FF_ALLOWED_ff_mail m ff_common ff_templates PkgConfig::CURL PkgConfig::JANSSON)
set(FF_ALLOWED_ff_reports m ff_common ff_db ff_templates PkgConfig::JANSSON)

# libraries that do I/O: workflow must link none of them, connectors no libpq
set(FF_IO_LIBS PkgConfig::PQ PkgConfig::CURL PkgConfig::MHD)

function(ff_check_dependency_rule)
  foreach(t ff_common ff_workflow ff_ingest ff_db ff_connectors ff_templates ff_mail ff_reports)
    get_target_property(libs ${t} LINK_LIBRARIES)
    if(NOT libs)
      continue()
    endif()
    foreach(l ${libs})
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" l "${l}")
      # links made from another directory are wrapped in ::@(dir) ... ::@ markers
      if(l MATCHES "^::@")
        continue()
      endif()
      list(FIND FF_ALLOWED_${t} "${l}" idx)
      if(idx EQUAL -1)
        message(FATAL_ERROR "dependency rule broken: ${t} links ${l}, "
          "which DESIGN.md section 3 does not allow (allowed: ${FF_ALLOWED_${t}})")
      endif()
    endforeach()
  endforeach()
endfunction()
