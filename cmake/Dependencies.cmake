# Dependencies come from the system first; FetchContent is the fallback where
# one is missing and a network is there.
include(FetchContent)

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

find_package(nlohmann_json 3.2 QUIET)
if(NOT nlohmann_json_FOUND)
  message(STATUS "nlohmann_json not found on the system: fetching it")
  FetchContent_Declare(nlohmann_json
    URL https://github.com/nlohmann/json/releases/download/v3.11.3/json.tar.xz)
  FetchContent_MakeAvailable(nlohmann_json)
endif()

# stb is header-only: Debian puts it in /usr/include/stb, Homebrew in include/.
find_path(STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
if(NOT STB_INCLUDE_DIR)
  message(STATUS "stb not found on the system: fetching it")
  FetchContent_Declare(stb GIT_REPOSITORY https://github.com/nothings/stb.git GIT_TAG master)
  FetchContent_MakeAvailable(stb)
  set(STB_INCLUDE_DIR ${stb_SOURCE_DIR})
endif()
add_library(attn_stb INTERFACE)
target_include_directories(attn_stb SYSTEM INTERFACE $<BUILD_INTERFACE:${STB_INCLUDE_DIR}>)

if(ATTN_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    message(STATUS "GoogleTest not found on the system: fetching it")
    FetchContent_Declare(googletest
      URL https://github.com/google/googletest/archive/refs/tags/v1.14.0.tar.gz)
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    FetchContent_MakeAvailable(googletest)
    add_library(GTest::gtest_main ALIAS gtest_main)
    add_library(GTest::gtest ALIAS gtest)
  endif()
endif()

if(ATTN_BUILD_BENCH)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    message(STATUS "Google Benchmark not found: bench/ is not built")
  endif()
  # A CBLAS is linked by bench/ only, as the peer bench_gemm compares with. Whichever BLAS
  # FindBLAS picks (OpenBLAS, or a generic libblas.so) must really link cblas_sgemm to be
  # used; OpenBLAS's own calls (its kernel's name, its thread count) are used only when the
  # library found is OpenBLAS itself, so a machine with another BLAS still builds bench/.
  find_package(BLAS QUIET)
  find_path(CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread)
  if(BLAS_FOUND AND CBLAS_INCLUDE_DIR)
    include(CheckCXXSymbolExists)
    set(CMAKE_REQUIRED_LIBRARIES ${BLAS_LIBRARIES})
    set(CMAKE_REQUIRED_INCLUDES ${CBLAS_INCLUDE_DIR})
    set(CMAKE_REQUIRED_QUIET ON)
    check_cxx_symbol_exists(cblas_sgemm cblas.h ATTN_CBLAS_LINKS)
    if(ATTN_CBLAS_LINKS)
      check_cxx_symbol_exists(openblas_get_corename cblas.h ATTN_OPENBLAS_LINKS)
    endif()
    unset(CMAKE_REQUIRED_LIBRARIES)
    unset(CMAKE_REQUIRED_INCLUDES)
    unset(CMAKE_REQUIRED_QUIET)
  endif()
  if(ATTN_OPENBLAS_LINKS)
    message(STATUS "bench_gemm's peer: OpenBLAS (${BLAS_LIBRARIES})")
  elseif(ATTN_CBLAS_LINKS)
    message(STATUS "bench_gemm's peer: a CBLAS that is not OpenBLAS (${BLAS_LIBRARIES})")
  else()
    message(STATUS "No BLAS with cblas_sgemm: bench_gemm times ours alone")
  endif()
endif()

# zlib reads the .gz files Debian's dataset-fashion-mnist installs; without it
# the reader takes the decompressed IDX files.
find_package(ZLIB QUIET)
add_library(attn_zlib INTERFACE)
if(ZLIB_FOUND)
  target_link_libraries(attn_zlib INTERFACE ZLIB::ZLIB)
  target_compile_definitions(attn_zlib INTERFACE ATTN_HAVE_ZLIB=1)
endif()

# libjpeg(-turbo) decodes JPEG files for data/image_io (stb_image's JPEG
# decoder is not used: see image_io.cpp); without it JPEGs are refused with a
# message saying so.
find_package(JPEG QUIET)
add_library(attn_jpeg INTERFACE)
if(JPEG_FOUND)
  target_link_libraries(attn_jpeg INTERFACE JPEG::JPEG)
  target_compile_definitions(attn_jpeg INTERFACE ATTN_HAVE_JPEG=1)
endif()
