// A deliberate break of the layers, for check_layers.cmake's own test.
#pragma once
#include "genattn/core/types.hpp"
#include "genattn/seq2seq/batch.hpp"
