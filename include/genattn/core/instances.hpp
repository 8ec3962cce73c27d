// genattn/core/instances.hpp: how a program compiles genattn's modules once.
//
// The library is header-only: a unit that uses Decoder<float> compiles it.
// A program with many units can instead compile the module classes once, as
// explicit instances in a unit of its own (`template class Decoder<float>;`,
// cmake/GenattnInstances.cmake), and define GENATTN_EXTERN_FLOAT and/or
// GENATTN_EXTERN_DOUBLE everywhere: each header then declares its classes
// `extern template` (GENATTN_EXTERN_CLASS, GENATTN_EXTERN_MODULE), and the
// other units call the instances.
//
// That works only for members the compilers may not inline. A member defined
// in its class is inline, and GCC and clang, when optimizing, instantiate an
// inline member of an extern template in every unit that calls it, to inline
// it there (C++17 [temp.explicit]/10 lets them). So a program that compiles
// the modules once also defines GENATTN_EXTERN_MODULES, and the modules' large
// members are GENATTN_NOINLINE: such a member is then compiled once, in the
// instances, and called (g++ 12 -O3, Seq2Seq<double>'s backward unit 21.1 ->
// 10.8 s). genattn's tests do that (cmake/GenattnInstances.cmake, the generic
// instances); the summarizer and the benchmarks do not: they inline the
// modules as a program without instances does, so that the product's code
// is what it was (with the calls, bench_train_step on one thread measured
// 5-6% slower, but about as much also came and went between runs of
// unchanged code on this shared machine: no clear cost, no reason to take one).
// Seq2Seq, the trainer and the search are defined outside their classes and
// are extern with GENATTN_EXTERN_FLOAT / GENATTN_EXTERN_DOUBLE alone.
#pragma once

#ifdef GENATTN_EXTERN_MODULES
#define GENATTN_NOINLINE [[gnu::noinline]]
#else
#define GENATTN_NOINLINE
#endif

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

/// A module class: extern as GENATTN_EXTERN_CLASS when the program also
/// defines GENATTN_EXTERN_MODULES (it then compiles the modules once).
#ifdef GENATTN_EXTERN_MODULES
#define GENATTN_EXTERN_MODULE(C) GENATTN_EXTERN_CLASS(C)
#else
#define GENATTN_EXTERN_MODULE(C)
#endif
