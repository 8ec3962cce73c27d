// genattn/core/instances.hpp: how a program compiles genattn's modules once.
//
// The library is header-only: a unit that uses Decoder<float> compiles it.
// A program with many units can instead compile the module classes once, as
// explicit instances in a unit of its own (`template class Decoder<float>;`,
// cmake/GenattnInstances.cmake), and define GENATTN_EXTERN_FLOAT and/or
// GENATTN_EXTERN_DOUBLE everywhere: each module header then declares its
// classes `extern template` (GENATTN_EXTERN_CLASS), and the other units call
// the instances.
//
// That works only for members the compilers may not inline. A member defined
// in its class is inline, and GCC and clang, when optimizing, instantiate an
// inline member of an extern template in every unit that calls it, to inline
// it there (C++17 [temp.explicit]/10 lets them). So the modules mark their
// large members GENATTN_NOINLINE: such a member is compiled once, in the
// instances, and called (g++ 12 -O3, Seq2Seq<double>'s backward unit 21.1 ->
// 10.8 s; the summarizer's main.cpp 20.1 -> 7.3 s). They are whole layers'
// forward or backward passes, or a decoding step: a call costs nothing beside
// their products. A program without the instances compiles them as before.
#pragma once

#define GENATTN_NOINLINE [[gnu::noinline]]

#ifdef GENATTN_EXTERN_FLOAT
#define GENATTN_EXTERN_CLASS_FLOAT_(C) extern template class C<float>;
#else
#define GENATTN_EXTERN_CLASS_FLOAT_(C)
#endif
#ifdef GENATTN_EXTERN_DOUBLE
#define GENATTN_EXTERN_CLASS_DOUBLE_(C) extern template class C<double>;
#else
#define GENATTN_EXTERN_CLASS_DOUBLE_(C)
#endif

/// Declares C<float> and/or C<double> extern, as the program's
/// GENATTN_EXTERN_FLOAT / GENATTN_EXTERN_DOUBLE say (inside genattn's namespace).
#define GENATTN_EXTERN_CLASS(C) GENATTN_EXTERN_CLASS_FLOAT_(C) GENATTN_EXTERN_CLASS_DOUBLE_(C)
