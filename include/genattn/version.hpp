// genattn: the single source of the library's version. CMake reads the three
// numbers below; nothing else states them.
#pragma once

#define GENATTN_VERSION_MAJOR 0
#define GENATTN_VERSION_MINOR 1
#define GENATTN_VERSION_PATCH 0

#define GENATTN_VERSION_STRING_(a, b, c) #a "." #b "." #c
#define GENATTN_VERSION_STRING_EXPAND_(a, b, c) GENATTN_VERSION_STRING_(a, b, c)
#define GENATTN_VERSION_STRING                                         \
  GENATTN_VERSION_STRING_EXPAND_(GENATTN_VERSION_MAJOR, GENATTN_VERSION_MINOR, \
                                 GENATTN_VERSION_PATCH)

// Everything public lives in genattn::v0 (inlined), so two incompatible
// versions linked into one program cannot silently mix their types.
#define GENATTN_NAMESPACE_BEGIN \
  namespace genattn {           \
  inline namespace v0 {
#define GENATTN_NAMESPACE_END \
  }                           \
  }
