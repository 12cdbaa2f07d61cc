# ff_embed(OUT c-file SYMBOL name FILES f1 f2 ...): compiles files into a C
# table {name, data, len} so the binary carries its migrations, OpenAPI
# document and templates.
function(ff_embed)
  cmake_parse_arguments(E "" "OUT;SYMBOL" "FILES" ${ARGN})
  # a list would be split into separate arguments on the command line
  string(REPLACE ";" "|" files_arg "${E_FILES}")
  add_custom_command(OUTPUT ${E_OUT}
    COMMAND ${CMAKE_COMMAND} -DOUT=${E_OUT} -DSYMBOL=${E_SYMBOL} "-DFILES=${files_arg}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_gen.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_gen.cmake
    COMMENT "embedding ${E_SYMBOL}" VERBATIM)
endfunction()
