// A deliberate break of the layers, for check_layers.cmake's own test.
#pragma once
#include "genattn/seq2seq/seq2seq.hpp"
